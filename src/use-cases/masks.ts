// An image's mask as the API carries it (base64): read along any axis of a volume, and saved as patches (a stroke's
// bounding box each) by mask-saving.ts's policy for two windows. A plane along another axis writes into every slice
// it crosses.
import type { MaskPatch, MaskPayload } from '../api/service.ts';
import type { VolumeAxis } from '../api/types.ts';
import type { Workspace } from '../store/workspace.ts';
import { fromBase64, toBase64 } from './payload-bytes.ts';
import { saveMaskPatches as savePlanePatches, type SavedPatches } from './mask-saving.ts';
import { maskAlong } from './volume-masks.ts';

export function maskPayload(ws: Workspace, imageId: number, slice = 0, axis: VolumeAxis = 2): MaskPayload {
  const mask = maskAlong(ws, ws.images.require(imageId), axis, slice);
  return { width: mask.width, height: mask.height, data: toBase64(mask.data), revision: mask.revision };
}

export function saveMaskPatches(ws: Workspace, imageId: number, baseRevision: number, patches: MaskPatch[], slice = 0, axis: VolumeAxis = 2): SavedPatches {
  const decoded = patches.map((p) => ({ ...p, data: fromBase64(p.data) }));
  return savePlanePatches(ws, ws.images.require(imageId), baseRevision, decoded, axis, slice);
}
