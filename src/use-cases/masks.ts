// An image's mask as the API carries it: read along any axis of a volume, and saved as patches (a stroke's bounding
// box each). Last writer wins per stroke: each patch is applied on top of the newest revision, in one transaction,
// so two windows never interleave half-strokes. A plane along another axis writes into every slice it crosses.
import type { MaskPatch, MaskPayload } from '../api/service.ts';
import type { VolumeAxis } from '../api/types.ts';
import type { Workspace } from '../store/workspace.ts';
import { fromBase64, toBase64 } from './payload-bytes.ts';
import { maskAlong, savePatchesAlong } from './volume-masks.ts';

export function maskPayload(ws: Workspace, imageId: number, slice = 0, axis: VolumeAxis = 2): MaskPayload {
  const mask = maskAlong(ws, ws.images.require(imageId), axis, slice);
  return { width: mask.width, height: mask.height, data: toBase64(mask.data), revision: mask.revision };
}

export function saveMaskPatches(ws: Workspace, imageId: number, patches: MaskPatch[], slice = 0, axis: VolumeAxis = 2): { revision: number } {
  const image = ws.images.require(imageId);
  const revision = ws.transaction(() => savePatchesAlong(ws, image, axis, slice, patches.map((p) => ({ ...p, data: fromBase64(p.data) }))));
  return { revision };
}
