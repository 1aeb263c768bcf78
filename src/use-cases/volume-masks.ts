// A volume's labels seen and painted along any axis. Masks are stored per slice of the volume's own axis (k);
// a plane along another axis is assembled from one row or column of every slice, and a stroke painted on it is
// written back into each slice it crosses, so training always sees native slices.
import { planeAlong, sliceOfRow } from '../io/reslice.ts';
import type { ImageRecord } from '../store/images.ts';
import type { Workspace } from '../store/workspace.ts';
import { UserError } from '../api/errors.ts';
import { UNLABELED, type VolumeAxis } from '../api/types.ts';
import type { VolumeEdit } from '../api/service.ts';
import { toBase64 } from './payload-bytes.ts';

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
  const changed = new ChangedSlices(ws, image);
  writePatches(changed, image, axis, index, patches);
  return changed.save();
}

/**
 * Replaces whole planes along `axis` (a volume edit: interpolation, grow from seeds, …), each native slice saved
 * once however many planes cross it, inside the caller's transaction. Returns the newest revision written.
 */
export function savePlanesAlong(ws: Workspace, image: ImageRecord, axis: VolumeAxis, planes: { index: number; data: Uint8Array }[]): number {
  const { width, height } = planeAlong(axis, image.width, image.height, image.slices);
  const changed = new ChangedSlices(ws, image);
  for (const p of planes) writePatches(changed, image, axis, p.index, [{ x: 0, y: 0, width, height, data: p.data }]);
  return changed.save();
}

/** Native slices being changed: each read once from the store, then saved once as a new revision. */
class ChangedSlices {
  private readonly masks = new Map<number, Uint8Array>();

  constructor(private readonly ws: Workspace, private readonly image: ImageRecord) {}

  of(k: number): Uint8Array {
    let mask = this.masks.get(k);
    if (!mask) {
      mask = this.ws.masks.current(this.image.id, k)?.data ?? new Uint8Array(this.image.width * this.image.height).fill(UNLABELED);
      this.masks.set(k, mask);
    }
    return mask;
  }

  save(): number {
    let revision = 0;
    for (const [k, mask] of this.masks) revision = this.ws.masks.save(this.image.id, mask, this.image.width, this.image.height, { slice: k });
    return revision;
  }
}

function writePatches(changed: ChangedSlices, image: ImageRecord, axis: VolumeAxis, index: number, patches: PlanePatch[]): void {
  const plane = planeAlong(axis, image.width, image.height, image.slices);
  checkIndex(image, axis, index, plane.count);
  for (const patch of patches) {
    if (patch.x < 0 || patch.y < 0 || patch.x + patch.width > plane.width || patch.y + patch.height > plane.height || patch.data.length !== patch.width * patch.height) {
      throw new UserError(`${image.name}: a label patch (${patch.x},${patch.y} ${patch.width}×${patch.height}) does not fit the ${plane.width}×${plane.height} plane`);
    }
    for (let r = 0; r < patch.height; r++) {
      const row = patch.y + r;
      const target = axis === 2 ? changed.of(index) : changed.of(sliceOfRow(plane.height, row));
      const line = patch.data.subarray(r * patch.width, (r + 1) * patch.width);
      if (axis === 2) target.set(line, row * image.width + patch.x);
      else for (let c = 0; c < patch.width; c++) target[nativeOffset(axis, image.width, index, patch.x + c)] = line[c]!;
    }
  }
}

/**
 * Every plane along `axis` with labels, the others null: index p holds plane p (as maskAlong would give it). Each
 * labeled native slice is read once.
 */
export function labeledPlanesAlong(ws: Workspace, image: ImageRecord, axis: VolumeAxis): { width: number; height: number; planes: (Uint8Array | null)[] } {
  const plane = planeAlong(axis, image.width, image.height, image.slices);
  const planes: (Uint8Array | null)[] = new Array(plane.count).fill(null);
  for (const k of ws.masks.labeledSlices(image.id)) {
    const mask = ws.masks.current(image.id, k)!.data;
    if (axis === 2) {
      planes[k] = mask;
      continue;
    }
    const row = sliceOfRow(plane.height, k);
    for (let index = 0; index < plane.count; index++) {
      for (let c = 0; c < plane.width; c++) {
        const value = mask[nativeOffset(axis, image.width, index, c)]!;
        if (value === UNLABELED) continue;
        const target = (planes[index] ??= new Uint8Array(plane.width * plane.height).fill(UNLABELED));
        target[row * plane.width + c] = value;
      }
    }
  }
  return { width: plane.width, height: plane.height, planes };
}

/**
 * The whole volume's labels along `axis` in one array, plane after plane (unlabeled where nothing was saved), for
 * tools that work on the volume in 3D and hand back the planes they change (changedPlanes).
 */
export function stackedPlanesAlong(ws: Workspace, image: ImageRecord, axis: VolumeAxis): { width: number; height: number; depth: number; labels: Uint8Array } {
  const { width, height, planes } = labeledPlanesAlong(ws, image, axis);
  const size = width * height;
  const labels = new Uint8Array(size * planes.length).fill(UNLABELED);
  planes.forEach((plane, k) => plane && labels.set(plane, k * size));
  return { width, height, depth: planes.length, labels };
}

/** The planes (of `size` values, stacked as stackedPlanesAlong stacks them) where `after` differs from `before`, as a volume edit's slices. */
export function changedPlanes(before: Uint8Array, after: Uint8Array, size: number): VolumeEdit['slices'] {
  const slices: VolumeEdit['slices'] = [];
  for (let k = 0; k * size < after.length; k++) {
    const plane = after.subarray(k * size, (k + 1) * size);
    const was = before.subarray(k * size, (k + 1) * size);
    if (!sameValues(plane, was)) slices.push({ slice: k, after: toBase64(plane) });
  }
  return slices;
}

function sameValues(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkIndex(image: ImageRecord, axis: VolumeAxis, index: number, count: number): void {
  if (![0, 1, 2].includes(axis)) throw new UserError(`${image.name}: axis must be 0, 1 or 2, got ${axis}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new UserError(`${image.name}: slice ${index} is outside 0..${count - 1} along axis ${axis}`);
}
