// Segments every image of a folder: a mask at the same relative path, optional probabilities beside it.
// A file that cannot be read is reported with its reason and the batch goes on; finished files are skipped
// on a re-run unless overwrite is set.
import { existsSync, statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BatchEvent, BatchSummary } from '../api/types.ts';
import { georeferenceOf, listImageSources, openRaster, parseSeriesPath, readMask, sliceWithNeighbours } from '../io/index.ts';
import { writeClassGeoJson } from '../io/geojson.ts';
import { InputError, type Raster } from '../io/raster.ts';
import { getArchitecture } from '../models/index.ts';
import type { ModelMeta } from '../models/model-dir.ts';
import type { InferenceModel } from './inference-model.ts';
import { argmaxClasses } from './argmax.ts';
import { normalisedEntropy } from './uncertainty.ts';
import { needsWholeImage, refinedPredictor, refineImage, type RefineOptions } from './refine.ts';
import { FileSink, MemorySink, outputPaths, type SegmentSink } from './segment-sinks.ts';
import { DEFAULT_TILE_OPTIONS, predictStrips, type PixelSource, type PixelWindow, type TileOptions } from './tiler.ts';
import { segmentVolume } from './volume.ts';

/** What to produce for one image, and how. */
export interface SegmentOptions {
  /** Also keep uint8-quantised class probabilities (written as NAME.probabilities.tif). */
  probabilities?: boolean;
  /** Also keep the per-pixel normalised entropy (written as NAME.uncertainty.tif for TIFF outputs, else .png) and its mean. */
  uncertainty?: boolean;
  tiles?: TileOptions;
  refine?: RefineOptions;
  /** For DICOM volumes: also write a DICOM SEG (NAME.seg.dcm) beside the NIfTI labels. */
  dicomSeg?: boolean;
  /** For 2D images: also write the classes as polygons (NAME.geojson), in the input's CRS when it has one. */
  geojson?: boolean;
  signal?: AbortSignal;
}

export interface BatchOptions extends SegmentOptions {
  inputDir: string;
  outputDir: string;
  recursive: boolean;
  overwrite: boolean;
  onEvent?: (event: BatchEvent) => void;
}

export interface SegmentedImage {
  width: number;
  height: number;
  numClasses: number;
  mask: Uint8Array;
  /** uint8-quantised, class-major planes; only when asked for. */
  probabilities: Uint8Array | null;
  /** Normalised entropy per pixel, 0..255; only when asked for. */
  uncertainty: Uint8Array | null;
  /** Mean normalised entropy, 0..1; null unless uncertainty was asked for. */
  uncertaintyScore: number | null;
}

/** Segments one image source with tiles into whole-image arrays (the workbench's predictions, evaluation). */
export async function segmentSource(model: InferenceModel, source: PixelSource, options: SegmentOptions = {}): Promise<SegmentedImage> {
  const { width, height } = source;
  const numClasses = model.meta.classes.length;
  const kept = new MemorySink(width, height, numClasses, options);
  const { uncertaintyScore } = await segmentRows(model, source, options, kept);
  return { width, height, numClasses, mask: kept.mask, probabilities: kept.probabilities, uncertainty: kept.uncertainty, uncertaintyScore };
}

/**
 * Segments one image source with tiles and hands its rows to `sink` top to bottom (only `window`'s, when given).
 * Memory is the tiler's strip, never whole-image float maps, unless a whole-image refinement (CRF, islands) needs
 * them: then the sink gets the whole image as one block of rows.
 */
export async function segmentRows(model: InferenceModel, source: PixelSource, options: SegmentOptions, sink: SegmentSink, window?: PixelWindow): Promise<{ uncertaintyScore: number | null }> {
  const { meta } = model;
  const refine = options.refine ?? {};
  const numClasses = meta.classes.length;
  const { width, height } = source;
  if (refine.crf !== undefined && width * height > MAX_CRF_PIXELS) {
    throw new Error(`${width}×${height} is too large for the CRF (at most ${MAX_CRF_PIXELS / 1e6} megapixels); segment it without --crf`);
  }
  let entropySum = 0;
  const uncertaintyOf = (probs: Float32Array): Uint8Array | null => {
    if (!options.uncertainty) return null;
    const entropy = normalisedEntropy(probs, numClasses);
    const scaled = new Uint8Array(entropy.length);
    for (let i = 0; i < entropy.length; i++) {
      entropySum += entropy[i]!;
      scaled[i] = Math.round(entropy[i]! * 255);
    }
    return scaled;
  };
  const whole = needsWholeImage(refine) ? new Float32Array(width * height * numClasses) : null;
  if (whole && window) throw new Error('a whole-image refinement (CRF, island removal) cannot run on a window of the image');
  const sizeMultiple = getArchitecture(meta.architecture).sizeMultiple(meta.config);
  const predict = refinedPredictor(model.predict, refine);
  await predictStrips(predict, source, meta.normalisation, sizeMultiple, options.tiles ?? DEFAULT_TILE_OPTIONS, async (y, rows, probs, c) => {
    if (whole) whole.set(probs, y * width * c);
    else await sink.rows(y, rows, argmaxClasses(probs, c), probs, uncertaintyOf(probs));
  }, undefined, options.signal, window);
  if (whole) {
    const image = refine.crf !== undefined ? await source.readWindow(0, 0, width, height) : new Float32Array(0);
    const refined = refineImage(whole, image, width, height, numClasses, meta.normalisation, refine);
    await sink.rows(0, height, refined.mask, refined.probs, uncertaintyOf(refined.probs));
  }
  return { uncertaintyScore: options.uncertainty ? entropySum / (window ? window.width * window.height : width * height) : null };
}

/** The dense CRF holds several float maps of the whole image: keep it to images of moderate size. */
const MAX_CRF_PIXELS = 25_000_000;

/** One slice of a raster as the model reads it: with the model's 2.5D neighbour slices, bands matched. */
export function modelInput(raster: Raster, meta: ModelMeta, slice = 0): PixelSource {
  return matchBands(sliceWithNeighbours(raster, slice, meta.sliceContext ?? 0), meta.inputChannels, raster.path);
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

/**
 * Where an input's mask goes: same relative path, `.png`; `.tif` for georeferenced inputs, which keep their CRS;
 * `.nii.gz` labels for NIfTI volumes, `<folder>/<SeriesInstanceUID>.nii.gz` for a DICOM series (`<folder>.nii.gz`
 * for a folder whose series has no UID).
 */
export function outputPathFor(inputDir: string, outputDir: string, file: string, georeferenced = false): string {
  const series = parseSeriesPath(file);
  if (series) return path.join(outputDir, path.relative(inputDir, series.dir), `${series.seriesInstanceUID}.nii.gz`);
  const rel = path.relative(inputDir, file);
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) return path.join(outputDir, `${rel || path.basename(file)}.nii.gz`);
  if (/\.nii(\.gz)?$/i.test(file)) return path.join(outputDir, rel.replace(/\.nii(\.gz)?$/i, '.nii.gz'));
  const stem = rel.replace(/(\.nii\.gz|\.[^./\\]+)$/i, '');
  return path.join(outputDir, `${stem}.${georeferenced ? 'tif' : 'png'}`);
}

/** A GeoTIFF input by extension (the mask's name must be known before the file is opened, to skip finished ones). */
function looksGeoreferenced(file: string): boolean {
  return /\.tiff?$/i.test(file);
}

/**
 * Segments one file into its outputs (see outputPaths): a GeoTIFF input's TIFF outputs are streamed row by row, so
 * the image may be larger than memory. Throws InputError for a file that cannot be read.
 */
export async function segmentFile(model: InferenceModel, file: string, output: string, options: SegmentOptions = {}): Promise<void> {
  const raster = await openRaster(file);
  try {
    if (raster.slices > 1) {
      // A multi-frame file found by a 2D extension still gets a label volume.
      await segmentVolume(model, raster, output.replace(/\.(png|tif)$/, '.nii.gz'), options);
      return;
    }
    const source = modelInput(raster, model.meta);
    const sink = await FileSink.create(outputPaths(output, options), raster, model.meta.classes.length);
    try {
      await segmentRows(model, source, options, sink);
    } catch (error) {
      await sink.abort();
      throw error;
    }
    await sink.finish();
    if (options.geojson) await writeGeoJsonBeside(output, raster, model.meta.classes);
  } finally {
    await raster.close();
  }
}

/** NAME.geojson from the mask just written: polygons of every class, in the input's CRS when it has one. */
export async function writeGeoJsonBeside(output: string, raster: Raster, classes: { index: number; name: string }[]): Promise<void> {
  const mask = await readMask(output);
  await writeClassGeoJson(output.replace(/\.(png|tif)$/, '.geojson'), mask.data, mask.width, mask.height, classes, georeferenceOf(raster));
}

export interface BatchItem {
  file: string;
  output: string;
}

/** Lists a batch's files and splits them into those to do and those already done (skipped unless overwrite). */
export async function planBatch(options: BatchOptions): Promise<{ total: number; todo: BatchItem[]; done: BatchItem[] }> {
  const files = await listImageSources(options.inputDir, { recursive: options.recursive });
  if (files.length === 0) throw new InputError(options.inputDir, 'no images found (empty folder or no supported files)');
  await checkWritableDir(options.outputDir);
  const items = files.map((file) => ({ file, output: outputPathFor(options.inputDir, options.outputDir, file, looksGeoreferenced(file)) }));
  const done = options.overwrite ? [] : items.filter((item) => existsSync(item.output));
  return { total: files.length, todo: items.filter((item) => !done.includes(item)), done };
}

/** Counts a batch's outcomes, emits its events and builds the summary. */
export class BatchTracker {
  private readonly started = Date.now();
  private reported = 0;
  readonly summary: BatchSummary = { done: 0, skipped: 0, failed: 0, failures: [], seconds: 0, imagesPerSecond: 0 };

  constructor(private readonly total: number, private readonly emit: (event: BatchEvent) => void = () => {}) {
    emit({ type: 'start', total });
  }

  record(item: BatchItem, status: 'done' | 'skipped' | 'failed', seconds: number, reason?: string): void {
    if (status === 'done') this.summary.done++;
    else if (status === 'skipped') this.summary.skipped++;
    else {
      this.summary.failed++;
      this.summary.failures.push({ path: item.file, reason: reason ?? 'unknown error' });
    }
    this.emit({ type: 'file', index: ++this.reported, total: this.total, path: item.file, status, output: item.output, seconds, ...(reason ? { reason } : {}) });
  }

  finish(): BatchSummary {
    const s = this.summary;
    s.seconds = (Date.now() - this.started) / 1000;
    s.imagesPerSecond = s.done / Math.max(s.seconds, 1e-9);
    this.emit({ type: 'end', done: s.done, skipped: s.skipped, failed: s.failed, seconds: s.seconds });
    return s;
  }
}

/** The reason to report for a file that failed: the problem alone for bad input, the message otherwise. */
export function failureReason(e: unknown): string {
  return e instanceof InputError ? e.problem : (e as Error).message;
}

/** Segments a folder in this thread; segmentFolderPooled (src/jobs/segment-pool.ts) spreads it over workers. */
export async function segmentFolder(model: InferenceModel, options: BatchOptions): Promise<BatchSummary> {
  const plan = await planBatch(options);
  const tracker = new BatchTracker(plan.total, options.onEvent);
  for (const item of plan.done) tracker.record(item, 'skipped', 0);
  for (const item of plan.todo) {
    if (options.signal?.aborted) break;
    const t0 = Date.now();
    try {
      await segmentFile(model, item.file, item.output, options);
      tracker.record(item, 'done', (Date.now() - t0) / 1000);
    } catch (e) {
      if (options.signal?.aborted) break;
      tracker.record(item, 'failed', (Date.now() - t0) / 1000, failureReason(e));
    }
  }
  return { ...tracker.finish(), engine: model.engine };
}
