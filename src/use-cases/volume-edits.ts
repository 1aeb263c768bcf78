// Edits that replace whole planes of a volume at once: computed as a preview (nothing saved), applied in one
// transaction, undone as one step by applying the edit that apply returns. Interpolation between slices is the first;
// any tool that fills several slices (grow from seeds, morphology on the volume) can hand its planes to applyVolumeEdit.
import { StaleRevisionError, UserError } from '../api/errors.ts';
import type { AppliedVolumeEdit, VolumeEdit } from '../api/service.ts';
import { UNLABELED, type VolumeAxis } from '../api/types.ts';
import { planeAlong } from '../io/reslice.ts';
import { interpolateSlices } from '../labels/slice-interpolation.ts';
import type { ImageRecord } from '../store/images.ts';
import type { Workspace } from '../store/workspace.ts';
import { fromBase64, toBase64 } from './payload-bytes.ts';
import { labeledPlanesAlong, maskAlong, savePlanesAlong } from './volume-masks.ts';

/** The unlabeled planes along `axis` between labeled ones, filled per class by shape-based interpolation. */
export function interpolationPreview(ws: Workspace, imageId: number, axis: VolumeAxis = 2): VolumeEdit {
  const image = ws.images.require(imageId);
  if (image.slices < 2) throw new UserError(`${image.name} is not a volume: interpolation fills the slices between labeled slices of a volume`);
  const baseRevision = ws.masks.latestRevision(image.id);
  const { width, height, planes } = labeledPlanesAlong(ws, image, axis);
  const filled = interpolateSlices(planes, width, height);
  return { axis, baseRevision, slices: filled.map((f) => ({ slice: f.slice, after: toBase64(f.labels) })) };
}

/**
 * Saves every plane of `edit` in one transaction. Like a whole-plane save, it is refused (StaleRevisionError,
 * nothing written) when a slice it writes was saved after the revision the edit was computed from: it would
 * otherwise erase that save unseen.
 */
export function applyVolumeEdit(ws: Workspace, imageId: number, edit: VolumeEdit): AppliedVolumeEdit {
  const image = ws.images.require(imageId);
  const plane = planeAlong(edit.axis, image.width, image.height, image.slices);
  if (edit.slices.length === 0) throw new UserError(`${image.name}: a volume edit needs at least one slice`);
  const planes = edit.slices.map((s) => ({ index: s.slice, data: fromBase64(s.after) }));
  for (const p of planes) {
    if (p.data.length !== plane.width * plane.height) {
      throw new UserError(`${image.name}: slice ${p.index} of the edit holds ${p.data.length} labels, expected ${plane.width}×${plane.height} = ${plane.width * plane.height}`);
    }
  }
  if (new Set(planes.map((p) => p.index)).size !== planes.length) throw new UserError(`${image.name}: a volume edit names a slice twice`);
  return ws.transaction(() => {
    const current = newestRevisionWritten(ws, image, edit);
    if (current > edit.baseRevision) throw new StaleRevisionError(image.id, edit.baseRevision, current);
    const before = planesNow(ws, image, edit.axis, planes.map((p) => p.index));
    const revision = savePlanesAlong(ws, image, edit.axis, planes);
    return { revision, undo: { axis: edit.axis, baseRevision: revision, slices: before.map((b) => ({ slice: b.index, after: toBase64(b.data) })) } };
  });
}

/** The newest revision among the native slices the edit writes: its own slices along axis 2, every slice across. */
function newestRevisionWritten(ws: Workspace, image: ImageRecord, edit: VolumeEdit): number {
  if (edit.axis !== 2) return ws.masks.latestRevision(image.id);
  return Math.max(...edit.slices.map((s) => ws.masks.currentRevision(image.id, s.slice)));
}

/** The planes at `indexes` as stored now: along axis 2 each slice alone, across the volume every slice read once. */
function planesNow(ws: Workspace, image: ImageRecord, axis: VolumeAxis, indexes: number[]): { index: number; data: Uint8Array }[] {
  if (axis === 2) return indexes.map((index) => ({ index, data: maskAlong(ws, image, axis, index).data }));
  const { width, height, planes } = labeledPlanesAlong(ws, image, axis);
  return indexes.map((index) => ({ index, data: planes[index] ?? new Uint8Array(width * height).fill(UNLABELED) }));
}
