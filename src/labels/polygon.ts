// Polygon and lasso fill: even-odd scanline over pixel centres, so self-intersecting lassos leave holes
// exactly where an even-odd rule says.
import type { Point } from './brush.ts';
import type { LabelMap } from './label-map.ts';
import type { Rect } from './rect.ts';

/** Calls `span(y, x0, x1)` for each run of pixels (x0 inclusive, x1 exclusive) inside the polygon, clipped to width×height. */
export function scanPolygon(points: Point[], width: number, height: number, span: (y: number, x0: number, x1: number) => void): void {
  if (points.length < 3) return;
  let minY = Infinity, maxY = -Infinity;
  for (const p of points) {
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const yStart = Math.max(0, Math.floor(minY));
  const yEnd = Math.min(height - 1, Math.ceil(maxY));
  const crossings: number[] = [];
  for (let j = yStart; j <= yEnd; j++) {
    const cy = j + 0.5;
    crossings.length = 0;
    for (let k = 0; k < points.length; k++) {
      const a = points[k];
      const b = points[(k + 1) % points.length];
      // Half-open rule on y so a vertex shared by two edges is counted once.
      if ((a.y <= cy && b.y > cy) || (b.y <= cy && a.y > cy)) {
        crossings.push(a.x + ((cy - a.y) / (b.y - a.y)) * (b.x - a.x));
      }
    }
    crossings.sort((p, q) => p - q);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      // Pixels whose centre i + 0.5 lies in [left, right).
      const x0 = Math.max(0, Math.ceil(crossings[k] - 0.5));
      const x1 = Math.min(width, Math.ceil(crossings[k + 1] - 0.5));
      if (x1 > x0) span(j, x0, x1);
    }
  }
}

/** The bounding rectangle of a polygon's pixels, clipped to the map. */
export function polygonBounds(map: LabelMap, points: Point[]): Rect {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  if (!Number.isFinite(minX)) return { x: 0, y: 0, width: 0, height: 0 };
  const x = Math.floor(minX);
  const y = Math.floor(minY);
  return map.clip({ x, y, width: Math.ceil(maxX) - x + 1, height: Math.ceil(maxY) - y + 1 });
}

/** Sets every pixel inside the polygon to `value`; returns the rectangle that may have changed. */
export function fillPolygon(map: LabelMap, points: Point[], value: number): Rect {
  scanPolygon(points, map.width, map.height, (y, x0, x1) => map.data.fill(value, y * map.width + x0, y * map.width + x1));
  return polygonBounds(map, points);
}
