// Flood fill on the label map, 4-connected, optionally held back where the image changes too much.
import type { LabelMap } from './label-map.ts';
import type { Rect } from './rect.ts';

export interface ImageSimilarity {
  /** Grey or interleaved pixel values of the image under the map, width*height*channels. */
  pixels: ArrayLike<number>;
  channels: number;
  /** Largest per-channel difference from the seed pixel that still counts as the same region. */
  tolerance: number;
}

/**
 * Replaces the connected region of the seed's label value with `value`. With `similarity`, the region also
 * stops where the image differs from the seed pixel by more than the tolerance; with `paintable` (one byte per
 * pixel), it stops where that is 0 and never touches such a pixel (threshold painting). Returns the changed
 * rectangle, or null when nothing changed.
 */
export function floodFill(map: LabelMap, seedX: number, seedY: number, value: number, similarity?: ImageSimilarity, paintable?: Uint8Array): Rect | null {
  const { width, height, data } = map;
  const sx = Math.floor(seedX);
  const sy = Math.floor(seedY);
  if (sx < 0 || sy < 0 || sx >= width || sy >= height) return null;
  const seed = sy * width + sx;
  const target = data[seed];
  if (target === value || (paintable && !paintable[seed])) return null;

  const inRegion = similarity ? similarTo(similarity, seed) : null;
  const visited = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  let top = 0;
  stack[top++] = seed;
  visited[seed] = 1;
  let minX = sx, maxX = sx, minY = sy, maxY = sy;
  while (top > 0) {
    const p = stack[--top];
    data[p] = value;
    const x = p % width;
    const y = (p - x) / width;
    if (x < minX) minX = x; else if (x > maxX) maxX = x;
    if (y < minY) minY = y; else if (y > maxY) maxY = y;
    const push = (q: number) => {
      if (visited[q] || data[q] !== target || (paintable && !paintable[q]) || (inRegion && !inRegion(q))) return;
      visited[q] = 1;
      stack[top++] = q;
    };
    if (x > 0) push(p - 1);
    if (x < width - 1) push(p + 1);
    if (y > 0) push(p - width);
    if (y < height - 1) push(p + width);
  }
  return { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

function similarTo(s: ImageSimilarity, seed: number): (p: number) => boolean {
  const reference = Array.from({ length: s.channels }, (_, c) => s.pixels[seed * s.channels + c]);
  return (p) => {
    for (let c = 0; c < s.channels; c++) {
      if (Math.abs(s.pixels[p * s.channels + c] - reference[c]) > s.tolerance) return false;
    }
    return true;
  };
}
