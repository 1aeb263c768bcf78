// A volume's labels seen and painted along any axis. Masks are stored per slice of the volume's own axis (k);
// a plane along another axis is assembled from one row or column of every slice, and a stroke painted on it is
// written back into each slice it crosses, so training always sees native slices.
import { planeAlong, sliceOfRow } from '../io/reslice.ts';
import type { ImageRecord } from '../store/images.ts';
import type { Workspace } from '../store/workspace.ts';
import { UserError } from '../api/errors.ts';
import { UNLABELED, type VolumeAxis } from '../api/types.ts';

export interface PlanePatch {
  x: number;
  y: number;
  width: number;
  height: number;
  data: Uint8Array;
}

/** Position in slice `k`'s mask of plane pixel (column `c`) for the plane `index` along `axis` (1 or 0). */
function nativeOffset(axis: VolumeAxis, width: number, index: number, c: number): number {
  return axis === 1 ? index * width + c : c * width + index;
}

/** The labels of plane `index` along `axis` (axis 2: that slice's mask), with its newest revision among the slices. */
export function maskAlong(ws: Workspace, image: ImageRecord, axis: VolumeAxis, index: number): { width: number; height: number; data: Uint8Array; revision: number } {
  const plane = planeAlong(axis, image.width, image.height, image.slices);
  checkIndex(image, axis, index, plane.count);
  if (axis === 2) {
    const mask = ws.masks.current(image.id, index);
    return { width: plane.width, height: plane.height, data: mask?.data ?? new Uint8Array(plane.width * plane.height).fill(UNLABELED), revision: mask?.revision ?? 0 };
  }
  const data = new Uint8Array(plane.width * plane.height).fill(UNLABELED);
  let revision = 0;
  for (const k of ws.masks.labeledSlices(image.id)) {
    const mask = ws.masks.current(image.id, k)!;
    revision = Math.max(revision, mask.revision);
    const row = sliceOfRow(plane.height, k);
    for (let c = 0; c < plane.width; c++) data[row * plane.width + c] = mask.data[nativeOffset(axis, image.width, index, c)]!;
  }
  return { width: plane.width, height: plane.height, data, revision };
}

/**
 * Writes patches of plane `index` along `axis` into the slices they cross, one new revision per slice, inside the
 * caller's transaction. Returns the newest revision written.
 */
export function savePatchesAlong(ws: Workspace, image: ImageRecord, axis: VolumeAxis, index: number, patches: PlanePatch[]): number {
  const plane = planeAlong(axis, image.width, image.height, image.slices);
  checkIndex(image, axis, index, plane.count);
  const changed = new Map<number, Uint8Array>();
  const maskOf = (k: number) => {
    let mask = changed.get(k);
    if (!mask) {
      mask = ws.masks.current(image.id, k)?.data ?? new Uint8Array(image.width * image.height).fill(UNLABELED);
      changed.set(k, mask);
    }
    return mask;
  };
  for (const patch of patches) {
    if (patch.x < 0 || patch.y < 0 || patch.x + patch.width > plane.width || patch.y + patch.height > plane.height || patch.data.length !== patch.width * patch.height) {
      throw new UserError(`${image.name}: a label patch (${patch.x},${patch.y} ${patch.width}×${patch.height}) does not fit the ${plane.width}×${plane.height} plane`);
    }
    for (let r = 0; r < patch.height; r++) {
      const row = patch.y + r;
      const target = axis === 2 ? maskOf(index) : maskOf(sliceOfRow(plane.height, row));
      const line = patch.data.subarray(r * patch.width, (r + 1) * patch.width);
      if (axis === 2) target.set(line, row * image.width + patch.x);
      else for (let c = 0; c < patch.width; c++) target[nativeOffset(axis, image.width, index, patch.x + c)] = line[c]!;
    }
  }
  let revision = 0;
  for (const [k, mask] of changed) revision = ws.masks.save(image.id, mask, image.width, image.height, { slice: k });
  return revision;
}

function checkIndex(image: ImageRecord, axis: VolumeAxis, index: number, count: number): void {
  if (![0, 1, 2].includes(axis)) throw new UserError(`${image.name}: axis must be 0, 1 or 2, got ${axis}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new UserError(`${image.name}: slice ${index} is outside 0..${count - 1} along axis ${axis}`);
}
