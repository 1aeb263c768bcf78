// Grow from seeds through a volume, as a volume edit: the saved strokes of every slice grow in 3D over the volume's
// raw values (all bands), inside a box when one is given, and the planes that change come back as a preview for
// applyVolumeEdit (one transaction, one undo step). Nothing is saved here.
import { UserError } from '../api/errors.ts';
import type { GrowVolumeRequest, VolumeEdit } from '../api/service.ts';
import { growFromSeeds, type GrowBox } from '../labels/grow-from-seeds.ts';
import type { Workspace } from '../store/workspace.ts';
import { planeAlong } from '../io/reslice.ts';
import type { RawPlanes } from './raw-planes.ts';
import { changedPlanes, stackedPlanesAlong } from './volume-masks.ts';

/**
 * The most voxels grown at once: growing keeps about 20 bytes per voxel (values, costs, distances, heap), so this
 * bounds it near 1 GB; a larger volume needs a region of interest.
 */
export const MAX_GROW_VOXELS = 50_000_000;

export async function growVolumePreview(ws: Workspace, rawPlanes: RawPlanes, request: GrowVolumeRequest): Promise<VolumeEdit> {
  const image = ws.images.require(request.imageId);
  if (image.slices < 2) throw new UserError(`${image.name} is not a volume: grow it from seeds plane by plane (G)`);
  const axis = request.axis ?? 2;
  const along = planeAlong(axis, image.width, image.height, image.slices);
  const roi = request.roi && boxOf(request.roi, along.count, image.name);
  const voxels = roi ? roi.width * roi.height * (roi.depth ?? 1) : along.width * along.height * along.count;
  if (voxels > MAX_GROW_VOXELS) {
    throw new UserError(`${image.name}: growing ${voxels.toLocaleString('en')} voxels at once is more than the ${MAX_GROW_VOXELS.toLocaleString('en')} allowed; draw a region of interest or choose fewer slices`);
  }
  const baseRevision = ws.masks.latestRevision(image.id);
  const stacked = stackedPlanesAlong(ws, image, axis);
  const raw = await rawPlanes.volume(image, axis);
  const grown = growFromSeeds(raw, stacked.labels, roi ? { roi } : {});
  const slices = changedPlanes(stacked.labels, grown, stacked.width * stacked.height);
  if (slices.length === 0) throw new UserError(`Grow from seeds found nothing to fill in ${image.name}: every voxel ${roi ? 'in the region ' : ''}is labeled already`);
  return { axis, baseRevision, slices };
}

/** The request's rectangle and plane range as a box of the stacked planes; planes default to all of them. */
function boxOf(roi: NonNullable<GrowVolumeRequest['roi']>, count: number, name: string): GrowBox {
  const first = roi.first ?? 0;
  const last = roi.last ?? count - 1;
  if (first > last || first >= count) throw new UserError(`${name}: the region's planes ${first + 1}–${last + 1} are not within 1–${count}`);
  return { x: roi.x, y: roi.y, z: first, width: roi.width, height: roi.height, depth: last - first + 1 };
}

