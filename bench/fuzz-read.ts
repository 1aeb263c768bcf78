// The fuzz campaign's reader process: reads each mutant it is sent as a user's command would, and says how that
// ended. A child process, not a worker thread: the Emscripten codecs take a worker thread for one of their own
// pthreads. Hangs, memory blow-ups and crashes are seen by the parent (bench/fuzz-campaign.ts), which kills it.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../src/api/errors.ts';
import { openRaster, readOverview, readMaskSlices } from '../src/io/index.ts';
import { readClassesFile } from '../src/io/classes-file.ts';
import { loadModelDir } from '../src/models/model-dir.ts';
import { readModelDirOnnx } from '../src/models/onnx/model-file.ts';
import { openWorkspace } from '../src/store/workspace.ts';
import type { Raster } from '../src/io/raster.ts';
import type { FormatName } from './fuzz-seeds.ts';

export type Outcome = 'ok' | 'clean-error' | 'bad-error' | 'hang' | 'blow-up' | 'crash';
export interface ReadRequest { format: FormatName; path: string }
export interface ReadReport { outcome: Outcome; message?: string; rssMB: number }

/** The most pixels read in one go: a large image is read through a window, as display and tiling read it. */
const WHOLE_READ_PIXELS = 1 << 22;
const WINDOW = 512;

async function readRaster(raster: Raster): Promise<void> {
  try {
    const whole = raster.width * raster.height <= WHOLE_READ_PIXELS;
    const [w, h] = whole ? [raster.width, raster.height] : [Math.min(WINDOW, raster.width), Math.min(WINDOW, raster.height)];
    const slices = Math.min(raster.slices, 3);
    for (let slice = 0; slice < slices; slice++) await raster.readWindow(0, 0, w, h, slice);
    if (raster.slices > 3) await raster.readWindow(0, 0, w, h, raster.slices - 1);
  } finally {
    await raster.close();
  }
}

async function read({ format, path }: ReadRequest): Promise<void> {
  switch (format) {
    case 'classes': await readClassesFile(path); return;
    case 'mask': await readMaskSlices(path); return;
    case 'model': {
      const loaded = await loadModelDir(path);
      loaded.model.dispose();
      await readModelDirOnnx(path);
      return;
    }
    case 'workspace': {
      const workspace = openWorkspace(path);
      try {
        for (const project of workspace.projects.list()) {
          for (const image of workspace.images.query({ projectId: project.id }).images) workspace.masks.current(image.id);
        }
      } finally {
        workspace.close();
      }
      return;
    }
    default: {
      const raster = await openRaster(path);
      const overviews = (raster.metadata.overviews as unknown[] | undefined)?.length ?? 0;
      await readRaster(raster);
      if (overviews > 0) await readRaster(await readOverview(path, overviews));
    }
  }
}

/** Wordings that leak a library's or the engine's internals instead of saying what is wrong with the file. */
const INTERNAL_WORDING = /\bundefined\b|\[object Object\]|\bNaN\b|Cannot read properties|is not a function|is not iterable|Maximum call stack|waitng on finished stream|Invalid typed array length|outside the bounds of the DataView/;

/** A clean error is a UserError whose message names the mutant and says something about it. */
export function classify(error: unknown, path: string): { outcome: Outcome; message: string } {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : `thrown ${typeof error}: ${String(error)}`;
  if (!(error instanceof UserError)) return { outcome: 'bad-error', message };
  const problem = error.message.replace(path, '').replace(/^[:\s]+/, '');
  const vague = !error.message.includes(path) || problem.length < 8 || INTERNAL_WORDING.test(problem);
  return { outcome: vague ? 'bad-error' : 'clean-error', message };
}

process.on('message', async (request: ReadRequest) => {
  let report: Omit<ReadReport, 'rssMB'>;
  try {
    await read(request);
    report = { outcome: 'ok' };
  } catch (error) {
    report = classify(error, request.path);
  }
  process.send!({ ...report, rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20) } satisfies ReadReport);
});

// A reader whose campaign is gone (killed, Ctrl-C) goes too.
process.on('disconnect', () => process.exit(0));

// Model loading runs tfjs on its plain CPU backend: the campaign tests the readers, not the compute engines.
await tf.setBackend('cpu');
process.send!({ outcome: 'ok', message: 'ready', rssMB: 0 } satisfies ReadReport);
