// Colour lookups for label and overlay rasters, as packed RGBA (little-endian ABGR in a Uint32Array).
import type { ClassDef } from '../../../src/api/types.ts';

export function packRgba(r: number, g: number, b: number, a: number): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** 256 entries: class index → its colour, everything else (255 = unlabeled) transparent. */
export function classLut(classes: ClassDef[]): Uint32Array {
  const lut = new Uint32Array(256);
  for (const c of classes) {
    const [r, g, b] = hexToRgb(c.color);
    lut[c.index] = packRgba(r, g, b, 255);
  }
  return lut;
}

/** Stops of a perceptual colour map (viridis), interpolated into 256 entries. */
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37],
];

export function colourMapLut(alphaFromValue: boolean): Uint32Array {
  const lut = new Uint32Array(256);
  for (let v = 0; v < 256; v++) {
    const t = (v / 255) * (VIRIDIS.length - 1);
    const i = Math.min(VIRIDIS.length - 2, Math.floor(t));
    const f = t - i;
    const [r, g, b] = VIRIDIS[i].map((c, k) => Math.round(c + (VIRIDIS[i + 1][k] - c) * f));
    lut[v] = packRgba(r, g, b, alphaFromValue ? Math.round(40 + (215 * v) / 255) : 255);
  }
  return lut;
}

/** CSS gradient matching colourMapLut, for legends. */
export const COLOUR_MAP_CSS = `linear-gradient(to right, ${VIRIDIS.map(([r, g, b]) => `rgb(${r},${g},${b})`).join(', ')})`;
