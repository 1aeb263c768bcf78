// The folder loop: segments every image of a folder through segment-file.ts, a mask at the same relative path and
// optional probabilities beside it. A file that cannot be read is reported with its reason and the batch goes on;
// finished files are skipped on a re-run unless overwrite is set.
import { existsSync, statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { BatchEvent, BatchSummary } from '../api/types.ts';
import { listImageSources, parseSeriesPath } from '../io/index.ts';
import { removeStaleTemps } from '../io/stale-temps.ts';
import { InputError } from '../io/raster.ts';
import type { InferenceModel } from './inference-model.ts';
import { geoJsonPathFor, segmentFile } from './segment-file.ts';
import type { SegmentOptions } from './segment-image.ts';

export interface BatchOptions extends SegmentOptions {
  inputDir: string;
  outputDir: string;
  recursive: boolean;
  overwrite: boolean;
  onEvent?: (event: BatchEvent) => void;
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
  // A file is done when its mask is there (renamed into place after its other outputs) and, when asked, its GeoJSON
  // (written from the mask after it).
  const finished = (item: BatchItem) => existsSync(item.output) && (!options.geojson || existsSync(geoJsonPathFor(item.output)));
  const done = options.overwrite ? [] : items.filter(finished);
  for (const folder of new Set(items.map((item) => path.dirname(item.output)))) await removeStaleTemps(folder);
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
