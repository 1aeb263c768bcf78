// Label morphology on the whole open volume: the volume's stored labels run through one operation in 3D, handed
// back as a volume edit of the planes it changes (along the axis the user is viewing), so the workbench previews it
// slice by slice, applies it in one transaction and undoes it as one step (volume-edits.ts).
import { UserError } from '../api/errors.ts';
import type { VolumeMorphologyEdit } from '../api/service.ts';
import { UNLABELED, type MorphologyRequest, type VolumeAxis } from '../api/types.ts';
import { planeAlong, sliceOfRow } from '../io/reslice.ts';
import { applyMorphology, checkMorphologyRequest } from '../labels/morphology.ts';
import type { ImageRecord } from '../store/images.ts';
import type { Workspace } from '../store/workspace.ts';
import { toBase64 } from './payload-bytes.ts';
import { nativeOffset } from './volume-masks.ts';

/** The preview of `request` on the whole volume `imageId`; nothing is saved. */
export function volumeMorphologyPreview(ws: Workspace, imageId: number, request: MorphologyRequest, axis: VolumeAxis = 2): VolumeMorphologyEdit {
  const image = ws.images.require(imageId);
  if (image.slices < 2) throw new UserError(`${image.name} is not a volume: morphology on the whole volume needs one (use this slice instead)`);
  const classes = ws.projects.require(image.projectId).classes;
  checkMorphologyRequest(request, classes.length);
  const baseRevision = ws.masks.latestRevision(image.id);
  const before = storedVolume(ws, image);
  if (!before.includes(request.classIndex)) {
    const name = classes[request.classIndex]?.name ?? `class ${request.classIndex}`;
    throw new UserError(`${image.name} has no voxel of ${name}: paint some before running morphology on the volume`);
  }
  const { labels: after, added, removed } = applyMorphology(before, { width: image.width, height: image.height, depth: image.slices }, classes.length, request);
  const slices = changedPlanes(before, after, image, axis).map((index) => ({ slice: index, after: toBase64(planeOf(after, image, axis, index)) }));
  return { axis, baseRevision, slices, added, removed };
}

/** Every stored slice of the volume in one array (slice-major), unlabeled where nothing was saved. */
function storedVolume(ws: Workspace, image: ImageRecord): Uint8Array {
  const plane = image.width * image.height;
  const volume = new Uint8Array(plane * image.slices).fill(UNLABELED);
  for (const k of ws.masks.labeledSlices(image.id)) volume.set(ws.masks.current(image.id, k)!.data, k * plane);
  return volume;
}

/** Indexes of the planes along `axis` holding a voxel that differs, ascending. */
function changedPlanes(before: Uint8Array, after: Uint8Array, image: ImageRecord, axis: VolumeAxis): number[] {
  const { width, height } = image;
  const changed = new Set<number>();
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue;
    const inSlice = i % (width * height);
    changed.add(axis === 2 ? Math.floor(i / (width * height)) : axis === 1 ? Math.floor(inSlice / width) : inSlice % width);
  }
  return [...changed].sort((a, b) => a - b);
}

/** Plane `index` along `axis` of a whole volume of labels, as the workbench shows it. */
function planeOf(volume: Uint8Array, image: ImageRecord, axis: VolumeAxis, index: number): Uint8Array {
  const size = image.width * image.height;
  if (axis === 2) return volume.slice(index * size, (index + 1) * size);
  const plane = planeAlong(axis, image.width, image.height, image.slices);
  const out = new Uint8Array(plane.width * plane.height);
  for (let row = 0; row < plane.height; row++) {
    const k = sliceOfRow(plane.height, row);
    for (let c = 0; c < plane.width; c++) out[row * plane.width + c] = volume[k * size + nativeOffset(axis, image.width, index, c)]!;
  }
  return out;
}
