// Round brush and eraser. A stroke segment paints the capsule between two pointer positions, so a fast
// pointer that jumps many pixels between events still leaves a continuous line.
import type { LabelMap } from './label-map.ts';
import type { Rect } from './rect.ts';

export interface Point {
  x: number;
  y: number;
}

/** The pixels a segment of a brush of this diameter would cover, clipped to the map. */
export function segmentBounds(map: LabelMap, from: Point, to: Point, size: number): Rect {
  const r = size / 2;
  const x0 = Math.floor(Math.min(from.x, to.x) - r);
  const y0 = Math.floor(Math.min(from.y, to.y) - r);
  const x1 = Math.ceil(Math.max(from.x, to.x) + r);
  const y1 = Math.ceil(Math.max(from.y, to.y) + r);
  return map.clip({ x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 });
}

/**
 * Sets every pixel whose centre lies within size/2 of the segment from→to (a single disc when from = to).
 * Pixel (i, j) has its centre at (i + 0.5, j + 0.5). With `paintable` (one byte per pixel of the map), pixels where
 * it is 0 are never touched (threshold painting). Returns the rectangle that may have changed.
 */
export function paintSegment(map: LabelMap, from: Point, to: Point, size: number, value: number, paintable?: Uint8Array): Rect {
  const bounds = segmentBounds(map, from, to, size);
  const r = Math.max(size, 1) / 2;
  const r2 = r * r;
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const len2 = dx * dx + dy * dy;
  const { data, width } = map;
  for (let j = bounds.y; j < bounds.y + bounds.height; j++) {
    const cy = j + 0.5;
    for (let i = bounds.x; i < bounds.x + bounds.width; i++) {
      const cx = i + 0.5;
      // Distance from the pixel centre to the nearest point of the segment.
      let t = len2 > 0 ? ((cx - from.x) * dx + (cy - from.y) * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = cx - (from.x + t * dx);
      const ey = cy - (from.y + t * dy);
      const p = j * width + i;
      if (ex * ex + ey * ey <= r2 && (!paintable || paintable[p])) data[p] = value;
    }
  }
  return bounds;
}
