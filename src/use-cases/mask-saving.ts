// Saving strokes while other windows may paint the same image. Patches merge: each lands on the newest labels, so
// strokes from two windows both survive, and the reply says when the caller's copy missed someone else's save. A
// patch covering the whole plane replaces the labels outright (accepting a whole prediction, filling an empty
// mask, undoing either): made from a stale copy it would erase the other window's strokes unseen, so against a
// stale base revision it is refused (StaleRevisionError, HTTP 409) and nothing is written.
import { StaleRevisionError } from '../api/errors.ts';
import type { VolumeAxis } from '../api/types.ts';
import { maskAlong, savePatchesAlong, type PlanePatch } from './volume-masks.ts';
import type { ImageRecord } from '../store/images.ts';
import type { Workspace } from '../store/workspace.ts';

export interface SavedPatches {
  revision: number;
  /** Another save came after `baseRevision`: the caller's copy lacks it and should be reloaded. */
  merged: boolean;
}

/** Saves patches of plane `index` along `axis` on top of the newest labels, in one transaction. */
export function saveMaskPatches(ws: Workspace, image: ImageRecord, baseRevision: number, patches: PlanePatch[], axis: VolumeAxis, index: number): SavedPatches {
  return ws.transaction(() => {
    const current = maskAlong(ws, image, axis, index);
    const stale = current.revision !== baseRevision;
    const replacesAll = patches.some((p) => p.x <= 0 && p.y <= 0 && p.x + p.width >= current.width && p.y + p.height >= current.height);
    if (stale && replacesAll) throw new StaleRevisionError(image.id, baseRevision, current.revision);
    return { revision: savePatchesAlong(ws, image, axis, index, patches), merged: stale };
  });
}
