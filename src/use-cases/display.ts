// Display images for the workbench. An 8-bit PNG or JPEG shown as it is goes to the browser untouched (it decodes
// them natively, and fast); anything else (16-bit, DICOM Hounsfield units, multi-band GeoTIFF, a window or a band
// choice, a thumbnail size) is rendered to an 8-bit PNG: band choice (true colour, false colour, any three
// bands), a window (the user's, else the file's DICOM window) or a 2–98 % percentile stretch per band unless
// already 8-bit.
import { readFile } from 'node:fs/promises';
import { PNG } from 'pngjs';
import { readOverview } from '../io/index.ts';
import type { Raster } from '../io/raster.ts';

export interface DisplayOptions {
  window?: { center: number; width: number };
  /** Band indices shown as R, G, B (one index: grey). */
  bands?: number[];
  slice?: number;
  /** Longest edge of the result (thumbnails); the image is subsampled to fit. */
  maxSize?: number;
}

export interface DisplayImage {
  mime: 'image/png' | 'image/jpeg';
  /** The image bytes. */
  bytes: Buffer;
  width: number;
  height: number;
}

export function defaultBands(bands: number): number[] {
  return bands >= 3 ? [0, 1, 2] : [0];
}

/** Value range shown per band: [low, high] → [0, 255]. */
function ranges(values: Float32Array, bands: number, chosen: number[], raster: Raster, options: DisplayOptions): [number, number][] {
  const window = options.window ?? (raster.metadata.window as DisplayOptions['window'] | null | undefined);
  if (window) {
    // The DICOM (PS3.3 C.11.2.1.2) linear window: centre and width as the file or the user give them.
    const { center, width } = window;
    const low = center - 0.5 - (width - 1) / 2;
    return chosen.map(() => [low, Math.max(center - 0.5 + (width - 1) / 2, low + 1e-6)]);
  }
  if (raster.dtype === 'uint8') return chosen.map(() => [0, 255]);
  return chosen.map((b) => {
    const step = Math.max(1, Math.floor(values.length / bands / 100_000));
    const picked = new Float32Array(Math.ceil(values.length / (bands * step)));
    let n = 0;
    for (let i = b; i < values.length; i += bands * step) {
      const v = values[i]!;
      if (Number.isFinite(v) && v !== raster.nodata) picked[n++] = v;
    }
    // A typed array sorts numerically without a comparator call per step.
    const sample = picked.subarray(0, n).sort();
    if (sample.length === 0) return [0, 1];
    const lo = sample[Math.floor(sample.length * 0.02)]!;
    const hi = sample[Math.min(sample.length - 1, Math.floor(sample.length * 0.98))]!;
    return [lo, hi > lo ? hi : lo + 1];
  });
}

/** True when the file itself is what the browser should show. */
function showsAsIs(raster: Raster, options: DisplayOptions): boolean {
  const untouched = !options.window && !options.bands && !options.maxSize && !options.slice;
  return untouched && raster.dtype === 'uint8' && raster.slices === 1 && (raster.format === 'png' || raster.format === 'jpeg');
}

/**
 * For a display of at most `maxSize` pixels, the level of the smallest internal overview (COG) that still has that
 * many pixels along its longest edge; 0 = the full image. A 20,000² GeoTIFF's first view then reads its overview,
 * not 1.6 billion samples.
 */
function overviewLevelFor(raster: Raster, maxSize: number | undefined): number {
  const overviews = raster.metadata.overviews as { width: number; height: number }[] | undefined;
  if (!maxSize || !Array.isArray(overviews) || raster.slices > 1 || raster.metadata.overviewLevel) return 0;
  const needed = Math.min(maxSize, Math.max(raster.width, raster.height));
  let level = 0;
  overviews.forEach((o, i) => {
    if (Math.max(o.width, o.height) >= needed) level = i + 1;
  });
  return level;
}

export async function renderDisplayImage(raster: Raster, options: DisplayOptions = {}): Promise<DisplayImage> {
  const level = overviewLevelFor(raster, options.maxSize);
  if (level === 0) return renderRaster(raster, options);
  const overview = await readOverview(raster.path, level);
  try {
    return await renderRaster(overview, options);
  } finally {
    await overview.close();
  }
}

async function renderRaster(raster: Raster, options: DisplayOptions): Promise<DisplayImage> {
  if (showsAsIs(raster, options)) {
    return { mime: raster.format === 'png' ? 'image/png' : 'image/jpeg', bytes: await readFile(raster.path), width: raster.width, height: raster.height };
  }
  const { width, height, bands } = raster;
  const chosen = options.bands ?? defaultBands(bands);
  for (const b of chosen) if (!Number.isInteger(b) || b < 0 || b >= bands) throw new Error(`${raster.path}: band ${b} does not exist (the image has ${bands})`);
  const values = await raster.readWindow(0, 0, width, height, options.slice ?? 0);
  const span = ranges(values, bands, chosen, raster, options);
  const scale = options.maxSize ? Math.min(1, options.maxSize / Math.max(width, height)) : 1;
  const outW = Math.max(1, Math.round(width * scale));
  const outH = Math.max(1, Math.round(height * scale));
  const gray = chosen.length === 1;
  // MONOCHROME1: the smallest value is white.
  const inverted = raster.metadata.photometric === 'MONOCHROME1';
  const hasNodata = raster.nodata !== null;
  const channels = (gray ? 1 : 3) + (hasNodata ? 1 : 0);
  const out = Buffer.alloc(outW * outH * channels);
  // Per output column its source sample offset, per channel its band and range: looked up once, not per pixel.
  const column = new Int32Array(outW).map((_, x) => Math.min(width - 1, Math.floor(x / scale)) * bands);
  const band = Int32Array.from(chosen);
  const low = Float64Array.from(span, ([lo]) => lo);
  const range = Float64Array.from(span, ([lo, hi]) => hi - lo);
  const nodata = raster.nodata;
  for (let y = 0; y < outH; y++) {
    const row = Math.min(height - 1, Math.floor(y / scale)) * width * bands;
    for (let x = 0; x < outW; x++) {
      const src = row + column[x]!;
      const dst = (y * outW + x) * channels;
      for (let c = 0; c < band.length; c++) {
        const scaled = ((values[src + band[c]!]! - low[c]!) / range[c]!) * 255;
        // Math.round clamped to 0..255; NaN lands on 0 as before.
        const v = scaled >= 255 ? 255 : scaled > 0 ? Math.round(scaled) : 0;
        out[dst + c] = inverted ? 255 - v : v;
      }
      if (hasNodata) out[dst + channels - 1] = values[src + band[0]!] === nodata ? 0 : 255;
    }
  }
  // Grey or RGB without alpha, no filtering and light deflate: a quarter of RGBA's bytes, and fast to encode.
  const colorType = gray ? (hasNodata ? 4 : 0) : hasNodata ? 6 : 2;
  const png = new PNG({ width: outW, height: outH, colorType, inputColorType: colorType, inputHasAlpha: hasNodata, bitDepth: 8 });
  png.data = out;
  const bytes = PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: hasNodata, deflateLevel: 1, filterType: 0 });
  return { mime: 'image/png', bytes, width: outW, height: outH };
}
