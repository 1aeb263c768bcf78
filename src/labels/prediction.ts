// Accepting a model's prediction as labels, for the whole image or inside a drawn region.
import type { Point } from './brush.ts';
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
