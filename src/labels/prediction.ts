// Accepting a model's prediction as labels, for the whole image or inside a drawn region.
import type { Point } from './brush.ts';
import { regionAt } from './components.ts';
import type { LabelMap } from './label-map.ts';
import { polygonBounds, scanPolygon } from './polygon.ts';
import type { Rect } from './rect.ts';

/** The rectangle acceptPrediction would touch. */
export function predictionBounds(map: LabelMap, region?: Point[]): Rect {
  return region ? polygonBounds(map, region) : map.bounds;
}

/** Copies predicted class indices into the map (inside the polygon `region` when given). */
export function acceptPrediction(map: LabelMap, prediction: Uint8Array, region?: Point[]): Rect {
  if (prediction.length !== map.data.length) {
    throw new RangeError(`prediction has ${prediction.length} pixels, the label map ${map.data.length}`);
  }
  if (!region) {
    map.data.set(prediction);
    return map.bounds;
  }
  scanPolygon(region, map.width, map.height, (y, x0, x1) => {
    const row = y * map.width;
    map.data.set(prediction.subarray(row + x0, row + x1), row + x0);
  });
  return polygonBounds(map, region);
}

/**
 * The connected region (edge neighbours) of the predicted class under image point `p`, taken into the labels: the
 * whole plane as it would be, and the region's bounding box. Null when `p` lies outside the image.
 */
export function predictedRegion(map: LabelMap, prediction: Uint8Array, p: Point): { values: Uint8Array; rect: Rect; size: number } | null {
  if (prediction.length !== map.data.length) {
    throw new RangeError(`prediction has ${prediction.length} pixels, the label map ${map.data.length}`);
  }
  const x = Math.floor(p.x);
  const y = Math.floor(p.y);
  if (x < 0 || y < 0 || x >= map.width || y >= map.height) return null;
  const { mask, size } = regionAt(prediction, map, 'faces', y * map.width + x);
  const values = Uint8Array.from(map.data);
  let minX = x, maxX = x, minY = y, maxY = y;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    values[i] = prediction[i];
    const px = i % map.width;
    const py = (i - px) / map.width;
    if (px < minX) minX = px; else if (px > maxX) maxX = px;
    if (py < minY) minY = py; else if (py > maxY) maxY = py;
  }
  return { values, rect: { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 }, size };
}
