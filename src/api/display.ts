// Display rendering for the workbench: any raster → 8-bit RGBA PNG. Band choice (true colour, false colour, any
// three bands), a window (centre/width, e.g. Hounsfield units) or, by default, a 2–98 % percentile stretch per band
// unless the data are already 8-bit.
import { PNG } from 'pngjs';
import type { Raster } from '../io/raster.ts';

export interface DisplayOptions {
  window?: { center: number; width: number };
  /** Band indices shown as R, G, B (one index: grey). */
  bands?: number[];
  slice?: number;
}

export function defaultBands(bands: number): number[] {
  return bands >= 3 ? [0, 1, 2] : [0];
}

/** Value range shown per band: [low, high] → [0, 255]. */
function ranges(values: Float32Array, bands: number, chosen: number[], raster: Raster, options: DisplayOptions): [number, number][] {
  if (options.window) {
    const { center, width } = options.window;
    return chosen.map(() => [center - width / 2, center + width / 2]);
  }
  if (raster.dtype === 'uint8') return chosen.map(() => [0, 255]);
  return chosen.map((b) => {
    const sample: number[] = [];
    const step = Math.max(1, Math.floor(values.length / bands / 100_000));
    for (let i = b; i < values.length; i += bands * step) {
      const v = values[i]!;
      if (Number.isFinite(v) && v !== raster.nodata) sample.push(v);
    }
    sample.sort((x, y) => x - y);
    if (sample.length === 0) return [0, 1];
    const lo = sample[Math.floor(sample.length * 0.02)]!;
    const hi = sample[Math.min(sample.length - 1, Math.floor(sample.length * 0.98))]!;
    return [lo, hi > lo ? hi : lo + 1];
  });
}

export async function renderDisplayPng(raster: Raster, options: DisplayOptions = {}): Promise<Buffer> {
  const { width, height, bands } = raster;
  const chosen = options.bands ?? defaultBands(bands);
  for (const b of chosen) if (!Number.isInteger(b) || b < 0 || b >= bands) throw new Error(`${raster.path}: band ${b} does not exist (the image has ${bands})`);
  const values = await raster.readWindow(0, 0, width, height, options.slice ?? 0);
  const span = ranges(values, bands, chosen, raster, options);
  const rgba = Buffer.alloc(width * height * 4);
  const rgb = chosen.length === 1 ? [chosen[0]!, chosen[0]!, chosen[0]!] : chosen;
  const rgbSpan = chosen.length === 1 ? [span[0]!, span[0]!, span[0]!] : span;
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) {
      const [lo, hi] = rgbSpan[c]!;
      const v = values[i * bands + rgb[c]!]!;
      rgba[i * 4 + c] = Math.max(0, Math.min(255, Math.round(((v - lo) / (hi - lo)) * 255)));
    }
    rgba[i * 4 + 3] = raster.nodata !== null && values[i * bands + rgb[0]!] === raster.nodata ? 0 : 255;
  }
  const png = new PNG({ width, height });
  png.data = rgba;
  return PNG.sync.write(png, { deflateLevel: 1 });
}
