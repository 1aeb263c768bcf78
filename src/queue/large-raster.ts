// A raster too large for one job is split into windows (block jobs, spread over the workers); a parent job then
// writes the outputs from the blocks, top to bottom, through the same FileSink as the single-machine streamed path.
// Each block runs the whole image's tile grid and batches within its window (see predictStrips), so the assembled
// mask, probabilities and uncertainty are the ones a single machine writes, byte for byte.
import { existsSync } from 'node:fs';
import { open, rm, rmdir, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { openRaster } from '../io/index.ts';
import { writeGeoJsonBeside } from '../inference/segment-file.ts';
import { modelInput, segmentRows } from '../inference/segment-image.ts';
import type { InferenceModel } from '../inference/inference-model.ts';
import { FileSink, outputPaths } from '../inference/segment-sinks.ts';
import type { PixelWindow } from '../inference/tiler.ts';
import { BlockSink, readBlockRows, type BlockPlanes } from './block-file.ts';
import type { AssembleJob, BlockJob } from './jobs.ts';

/** Default edge of a block: images wider or taller than this are split. */
export const DEFAULT_BLOCK_SIZE = 8192;
/** Rows the assembler reads from the blocks and writes at a time. */
const ASSEMBLY_ROWS = 64;

/** The block windows of a width × height image, row-major, each at most blockSize on a side. */
export function planBlocks(width: number, height: number, blockSize: number): PixelWindow[] {
  const windows: PixelWindow[] = [];
  for (let y = 0; y < height; y += blockSize) {
    for (let x = 0; x < width; x += blockSize) windows.push({ x, y, width: Math.min(blockSize, width - x), height: Math.min(blockSize, height - y) });
  }
  return windows;
}

function planesOf(job: { options: BlockJob['options'] }, numClasses: number): BlockPlanes {
  return { numClasses, probabilities: Boolean(job.options.probabilities), uncertainty: Boolean(job.options.uncertainty) };
}

/** Segments one window into its block file; a block file already there (a retried job) is kept. */
export async function segmentBlock(model: InferenceModel, job: BlockJob): Promise<void> {
  if (existsSync(job.blockFile)) return;
  const raster = await openRaster(job.file);
  try {
    const sink = await BlockSink.create(job.blockFile, job.window, planesOf(job, model.meta.classes.length));
    try {
      await segmentRows(model, modelInput(raster, model.meta), job.options, sink, job.window);
      await sink.finish();
    } catch (error) {
      await sink.abort();
      throw error;
    }
  } finally {
    await raster.close();
  }
}

/** Writes the image's outputs from its block files (temp names, renamed into place), then deletes the blocks. */
export async function assembleBlocks(job: AssembleJob): Promise<void> {
  // A retry of a job that died after its last rename: the outputs are in place and the blocks gone.
  if (existsSync(job.output) && !existsSync(job.blockDir)) return;
  const raster = await openRaster(job.file);
  const planes = planesOf(job, job.numClasses);
  const handles: FileHandle[] = [];
  try {
    const sink = await FileSink.create(outputPaths(job.output, job.options), raster, job.numClasses);
    try {
      for (const block of job.blocks) handles.push(await open(block.blockFile, 'r'));
      const c = job.numClasses;
      for (const top of [...new Set(job.blocks.map((b) => b.window.y))]) {
        const row = job.blocks.map((b, i) => ({ ...b, handle: handles[i]! })).filter((b) => b.window.y === top);
        const { height } = row[0]!.window;
        for (let y = 0; y < height; y += ASSEMBLY_ROWS) {
          const rows = Math.min(ASSEMBLY_ROWS, height - y);
          const mask = new Uint8Array(rows * raster.width);
          const probabilities = planes.probabilities ? new Uint8Array(rows * raster.width * c) : null;
          const uncertainty = planes.uncertainty ? new Uint8Array(rows * raster.width) : null;
          for (const block of row) {
            const part = await readBlockRows(block.handle, block.window, planes, y, rows);
            const { x, width } = block.window;
            for (let r = 0; r < rows; r++) {
              mask.set(part.mask.subarray(r * width, (r + 1) * width), r * raster.width + x);
              probabilities?.set(part.probabilities!.subarray(r * width * c, (r + 1) * width * c), (r * raster.width + x) * c);
              uncertainty?.set(part.uncertainty!.subarray(r * width, (r + 1) * width), r * raster.width + x);
            }
          }
          await sink.quantizedRows(top + y, mask, probabilities, uncertainty);
        }
      }
    } catch (error) {
      await sink.abort();
      throw error;
    }
    await sink.finish();
    if (job.options.geojson) await writeGeoJsonBeside(job.output, raster, job.classes);
  } finally {
    await Promise.all(handles.map((h) => h.close()));
    await raster.close();
  }
  await rm(job.blockDir, { recursive: true, force: true });
  // The folder of all blocks goes with the last image that had some (it stays while another's blocks are there).
  await rmdir(path.dirname(job.blockDir)).catch(() => undefined);
}
