// What is in an image file: format, size, type and per-format facts, and optionally decoded value statistics.
import { stat } from 'node:fs/promises';
import { InputError, type Raster } from './raster.ts';
import { openRaster } from './open.ts';
import { listImageSources } from './sources.ts';

export interface ValueStats {
  min: number;
  max: number;
  mean: number;
  /** Values counted (nodata and NaN left out). */
  count: number;
}

export interface InspectReport {
  file: string;
  format: string;
  width: number;
  height: number;
  bands: number;
  dtype: string;
  /** DICOM reports frames, every other format slices. */
  frames?: number;
  slices?: number;
  modality?: string;
  transferSyntax?: string;
  transferSyntaxName?: string;
  rescale?: { slope: number; intercept: number; type: string | null };
  window?: { center: number; width: number } | null;
  photometric?: string;
  epsg?: number | null;
  geoTransform?: number[];
  nodata?: number | null;
  shape?: number[];
  affine?: number[][];
  stats?: ValueStats;
  perBand?: ValueStats[];
  perSlice?: ValueStats[];
}

export interface InspectFailure {
  file: string;
  error: string;
}

/** Rows read per window when computing statistics, so large rasters stream. */
const STATS_ROWS = 256;

export async function inspectFile(file: string, { stats = false } = {}): Promise<InspectReport> {
  const raster = await openRaster(file);
  try {
    const report = describe(raster);
    if (stats) Object.assign(report, await valueStats(raster));
    return report;
  } finally {
    await raster.close();
  }
}

/** A file gives one report; a folder one per image (recursively; a DICOM series is one volume), failures listed apart. */
export async function inspectPath(target: string, options: { stats?: boolean } = {}): Promise<{ reports: InspectReport[]; failures: InspectFailure[] }> {
  const info = await stat(target).catch(() => null);
  if (!info) throw new InputError(target, 'no such file or folder');
  if (!info.isDirectory()) return { reports: [await inspectFile(target, options)], failures: [] };
  const reports: InspectReport[] = [];
  const failures: InspectFailure[] = [];
  for (const file of await listImageSources(target, { recursive: true })) {
    try {
      reports.push(await inspectFile(file, options));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      failures.push({ file, error: error.problem });
    }
  }
  return { reports, failures };
}

function describe(raster: Raster): InspectReport {
  const m = raster.metadata as Record<string, any>;
  const base = { file: raster.path, format: raster.format, width: raster.width, height: raster.height, bands: raster.bands, dtype: raster.dtype };
  switch (raster.format) {
    case 'dicom':
      // A multi-frame file has frames; a series of files has slices.
      return {
        ...base, ...((m.files as unknown[] | undefined)?.length ?? 1) > 1 ? { slices: raster.slices } : { frames: raster.slices }, modality: raster.modality,
        transferSyntax: m.transferSyntax?.uid, transferSyntaxName: m.transferSyntax?.name,
        rescale: m.rescale, window: m.window, photometric: m.photometric,
      };
    case 'nifti':
      return { ...base, slices: raster.slices, shape: m.shape, affine: m.affine };
    case 'geotiff':
      return { ...base, slices: raster.slices, epsg: m.epsg ?? null, geoTransform: m.geoTransform, nodata: raster.nodata };
    default:
      return { ...base, slices: raster.slices, ...(raster.nodata !== null ? { nodata: raster.nodata } : {}) };
  }
}

class Accumulator {
  min = Infinity;
  max = -Infinity;
  sum = 0;
  count = 0;
  add(v: number): void {
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.sum += v;
    this.count++;
  }
  merge(other: Accumulator): void {
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.sum += other.sum;
    this.count += other.count;
  }
  result(): ValueStats {
    return this.count === 0 ? { min: NaN, max: NaN, mean: NaN, count: 0 } : { min: this.min, max: this.max, mean: this.sum / this.count, count: this.count };
  }
}

/** Whole-file statistics over decoded values (after rescale), nodata excluded; per band for 2D, per slice for volumes. */
async function valueStats(raster: Raster): Promise<Pick<InspectReport, 'stats' | 'perBand' | 'perSlice'>> {
  const { width, height, bands, slices, nodata } = raster;
  const perBand = Array.from({ length: bands }, () => new Accumulator());
  const perSlice: Accumulator[] = [];
  for (let slice = 0; slice < slices; slice++) {
    const sliceTotal = new Accumulator();
    for (let y = 0; y < height; y += STATS_ROWS) {
      const rows = Math.min(STATS_ROWS, height - y);
      const values = await raster.readWindow(0, y, width, rows, slice);
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (Number.isNaN(v) || v === nodata) continue;
        perBand[i % bands].add(v);
        sliceTotal.add(v);
      }
    }
    perSlice.push(sliceTotal);
  }
  const total = new Accumulator();
  for (const band of perBand) total.merge(band);
  return slices > 1 ? { stats: total.result(), perSlice: perSlice.map((a) => a.result()) } : { stats: total.result(), perBand: perBand.map((a) => a.result()) };
}
