// Segments every image of a folder: a mask at the same relative path, optional probabilities beside it.
// A file that cannot be read is reported with its reason and the batch goes on; finished files are skipped
// on a re-run unless overwrite is set.
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BatchEvent, BatchSummary } from '../api/types.ts';
import { georeferenceOf, listImageFiles, openRaster, writeGeoTiffMask, writeMaskPng, writeProbabilityTiff } from '../io/index.ts';
import { InputError, type Raster } from '../io/raster.ts';
import { getArchitecture } from '../models/index.ts';
import type { LoadedModel } from '../models/model-dir.ts';
import { argmaxClasses } from './evaluate.ts';
import { quantizeUint8 } from './quantize.ts';
import { DEFAULT_TILE_OPTIONS, modelPredictor, predictStrips, type PixelSource, type TileOptions } from './tiler.ts';

export interface BatchOptions {
  inputDir: string;
  outputDir: string;
  recursive: boolean;
  overwrite: boolean;
  probabilities: boolean;
  tiles?: TileOptions;
  signal?: AbortSignal;
  onEvent?: (event: BatchEvent) => void;
}

export interface SegmentedImage {
  width: number;
  height: number;
  numClasses: number;
  mask: Uint8Array;
  /** uint8-quantised, class-major planes; only when asked for. */
  probabilities: Uint8Array | null;
}

/** Segments one image source with tiles; memory is the mask (+ quantised probabilities), never float maps. */
export async function segmentSource(loaded: LoadedModel, source: PixelSource, withProbabilities: boolean, tiles: TileOptions = DEFAULT_TILE_OPTIONS, signal?: AbortSignal): Promise<SegmentedImage> {
  const { meta } = loaded;
  const numClasses = meta.classes.length;
  const { width, height } = source;
  const mask = new Uint8Array(width * height);
  const probabilities = withProbabilities ? new Uint8Array(numClasses * width * height) : null;
  const sizeMultiple = getArchitecture(meta.architecture).sizeMultiple(meta.config);
  await predictStrips(modelPredictor(loaded.model), source, meta.normalisation, sizeMultiple, tiles, (y, rows, probs, c) => {
    mask.set(argmaxClasses(probs, c), y * width);
    if (probabilities) {
      const planes = quantizeUint8(probs, c);
      const n = rows * width;
      for (let k = 0; k < c; k++) probabilities.set(planes.subarray(k * n, (k + 1) * n), k * width * height + y * width);
    }
  }, undefined, signal);
  return { width, height, numClasses, mask, probabilities };
}

/** Adapts a raster to the model's band count: an extra alpha band is dropped, anything else is an error. */
export function matchBands(source: PixelSource & { path?: string }, bands: number, file: string): PixelSource {
  if (source.bands === bands) return source;
  if (source.bands === bands + 1 && (bands === 3 || bands === 1)) {
    return {
      width: source.width,
      height: source.height,
      bands,
      async readWindow(x, y, w, h) {
        const values = await source.readWindow(x, y, w, h);
        const out = new Float32Array(w * h * bands);
        for (let i = 0; i < w * h; i++) for (let b = 0; b < bands; b++) out[i * bands + b] = values[i * (bands + 1) + b]!;
        return out;
      },
    };
  }
  throw new InputError(file, `has ${source.bands} band(s), the model expects ${bands}`);
}

export async function checkWritableDir(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
    const probe = path.join(dir, `.segwork-write-test-${process.pid}`);
    await fs.writeFile(probe, '');
    await fs.rm(probe);
  } catch (e) {
    throw new InputError(dir, `output folder is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Where an input's mask goes: same relative path, `.png`; `.tif` for georeferenced inputs, which keep their CRS. */
export function outputPathFor(inputDir: string, outputDir: string, file: string, georeferenced = false): string {
  const rel = path.relative(inputDir, file);
  const stem = rel.replace(/(\.nii\.gz|\.[^./\\]+)$/i, '');
  return path.join(outputDir, `${stem}.${georeferenced ? 'tif' : 'png'}`);
}

/** A GeoTIFF input by extension (the mask's name must be known before the file is opened, to skip finished ones). */
function looksGeoreferenced(file: string): boolean {
  return /\.tiff?$/i.test(file);
}

async function writeOutputs(output: string, raster: Raster, result: SegmentedImage): Promise<void> {
  const georeference = georeferenceOf(raster);
  if (output.endsWith('.tif')) await writeGeoTiffMask(output, raster, result.mask);
  else await writeMaskPng(output, result.width, result.height, result.mask);
  if (result.probabilities) {
    const file = output.replace(/\.(png|tif)$/, '.probabilities.tif');
    await writeProbabilityTiff(file, result.width, result.height, result.numClasses, result.probabilities, georeference);
  }
}

export async function segmentFolder(loaded: LoadedModel, options: BatchOptions): Promise<BatchSummary> {
  const emit = options.onEvent ?? (() => {});
  const files = await listImageFiles(options.inputDir, { recursive: options.recursive });
  if (files.length === 0) throw new InputError(options.inputDir, 'no images found (empty folder or no supported files)');
  await checkWritableDir(options.outputDir);
  const started = Date.now();
  const summary: BatchSummary = { done: 0, skipped: 0, failed: 0, failures: [], seconds: 0, imagesPerSecond: 0 };
  emit({ type: 'start', total: files.length });
  for (const [index, file] of files.entries()) {
    if (options.signal?.aborted) break;
    const t0 = Date.now();
    const output = outputPathFor(options.inputDir, options.outputDir, file, looksGeoreferenced(file));
    const report = (status: 'done' | 'skipped' | 'failed', reason?: string) =>
      emit({ type: 'file', index: index + 1, total: files.length, path: file, status, output, seconds: (Date.now() - t0) / 1000, ...(reason ? { reason } : {}) });
    if (!options.overwrite && existsSync(output)) {
      summary.skipped++;
      report('skipped');
      continue;
    }
    try {
      const raster = await openRaster(file);
      try {
        const source = matchBands(raster, loaded.meta.inputChannels, file);
        const result = await segmentSource(loaded, source, options.probabilities, options.tiles, options.signal);
        await writeOutputs(output, raster, result);
      } finally {
        await raster.close();
      }
      summary.done++;
      report('done');
    } catch (e) {
      if (options.signal?.aborted) break;
      const reason = e instanceof InputError ? e.problem : (e as Error).message;
      summary.failed++;
      summary.failures.push({ path: file, reason });
      report('failed', reason);
    }
  }
  summary.seconds = (Date.now() - started) / 1000;
  summary.imagesPerSecond = summary.done / Math.max(summary.seconds, 1e-9);
  emit({ type: 'end', done: summary.done, skipped: summary.skipped, failed: summary.failed, seconds: summary.seconds });
  return summary;
}
