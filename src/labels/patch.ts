// MaskPatch (the API's unit of a saved stroke) to and from the label map.
import type { MaskPatch } from '../api/service.ts';
import { base64ToBytes, bytesToBase64 } from './base64.ts';
import type { LabelMap } from './label-map.ts';
import type { Rect } from './rect.ts';

export function patchFromMap(map: LabelMap, rect: Rect): MaskPatch {
  const r = map.clip(rect);
  return { x: r.x, y: r.y, width: r.width, height: r.height, data: bytesToBase64(map.read(r)) };
}

/** Writes a patch into the map; throws a RangeError naming what is wrong when it does not fit. */
export function applyPatch(map: LabelMap, patch: MaskPatch): Rect {
  const rect = { x: patch.x, y: patch.y, width: patch.width, height: patch.height };
  if (![rect.x, rect.y, rect.width, rect.height].every(Number.isInteger) || rect.x < 0 || rect.y < 0 || rect.width <= 0 || rect.height <= 0 || rect.x + rect.width > map.width || rect.y + rect.height > map.height) {
    throw new RangeError(`patch ${rect.width}x${rect.height} at (${rect.x},${rect.y}) does not fit a ${map.width}x${map.height} mask`);
  }
  const bytes = base64ToBytes(patch.data);
  if (bytes.length !== rect.width * rect.height) throw new RangeError(`patch data has ${bytes.length} bytes, expected ${rect.width * rect.height}`);
  map.write(rect, bytes);
  return rect;
}
