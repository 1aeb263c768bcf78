// Masks of NIfTI images saved before volumes were shown radiologically are in the file's voxel order (store
// migration 5 marks those images, and the store refuses their masks until they are turned). Turning them needs each
// file's affine, so it happens here, once per image: at the workbench's start-up, before `segwork export`, and when
// a marked image is first used. An image whose file cannot be read keeps its mark and is named in a one-line notice.
import { InputError, openRaster } from '../io/index.ts';
import { reverseInPlane } from '../io/orientation.ts';
import type { FileOrderImage } from '../store/masks.ts';
import type { Workspace } from '../store/workspace.ts';

export interface MaskOrderUpgrade {
  /** Images whose masks were turned to display order. */
  turned: number;
  /** Images still marked: their file could not be read, or no longer matches the image recorded. */
  pending: { path: string; reason: string }[];
}

/** Turns the masks of every marked image whose file can be read; says in one line why each other one waits. */
export async function upgradeMaskOrder(ws: Workspace, notice: (line: string) => void = () => {}): Promise<MaskOrderUpgrade> {
  const result: MaskOrderUpgrade = { turned: 0, pending: [] };
  for (const image of ws.masks.fileOrderImages()) {
    const reason = await turnToDisplayOrder(ws, image);
    if (reason === null) result.turned++;
    else {
      result.pending.push({ path: image.path, reason });
      notice(`${image.path}: its masks stay in the file's voxel order until it can be read (${reason})`);
    }
  }
  return result;
}

/** Before an image's masks are used: turns them if it is still marked and its file can be read now. */
export async function ensureDisplayOrder(ws: Workspace, imageId: number): Promise<void> {
  const image = ws.masks.fileOrderImage(imageId);
  if (image) await turnToDisplayOrder(ws, image);
}

/** Null when turned (or turned meanwhile by another process), else why not. */
async function turnToDisplayOrder(ws: Workspace, image: FileOrderImage): Promise<string | null> {
  let reversed: [boolean, boolean, boolean];
  try {
    const raster = await openRaster(image.path);
    try {
      if (raster.format !== 'nifti') return `no longer a NIfTI file (${raster.format})`;
      if (raster.width !== image.width || raster.height !== image.height || raster.slices !== image.slices) {
        return `it is now ${raster.width}×${raster.height}×${raster.slices}, it was ${image.width}×${image.height}×${image.slices} when imported`;
      }
      reversed = raster.metadata.displayReversed as [boolean, boolean, boolean];
    } finally {
      await raster.close();
    }
  } catch (error) {
    return error instanceof InputError ? error.problem : (error as Error).message;
  }
  // Masks are slices of axis 2: their columns are voxel axis i, their rows axis j (the slice axis is never reversed).
  ws.masks.turnFileOrderMasks(image.id, (mask) => reverseInPlane(mask, image.width, image.height, reversed[0], reversed[1]));
  return null;
}
