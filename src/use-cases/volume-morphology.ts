// Label morphology on the whole open volume: the volume's stored labels run through one operation in 3D, handed
// back as a volume edit of the planes it changes (along the axis the user is viewing), so the workbench previews it
// slice by slice, applies it in one transaction and undoes it as one step (volume-edits.ts).
import { UserError } from '../api/errors.ts';
import type { VolumeMorphologyEdit } from '../api/service.ts';
import type { MorphologyRequest, VolumeAxis } from '../api/types.ts';
import { applyMorphology, checkMorphologyRequest } from '../labels/morphology.ts';
import type { Workspace } from '../store/workspace.ts';
import { changedPlanes, stackedPlanesAlong } from './volume-masks.ts';

/** The preview of `request` on the whole volume `imageId`; nothing is saved. */
export function volumeMorphologyPreview(ws: Workspace, imageId: number, request: MorphologyRequest, axis: VolumeAxis = 2): VolumeMorphologyEdit {
  const image = ws.images.require(imageId);
  if (image.slices < 2) throw new UserError(`${image.name} is not a volume: morphology on the whole volume needs one (use this slice instead)`);
  const classes = ws.projects.require(image.projectId).classes;
  checkMorphologyRequest(request, classes.length);
  const baseRevision = ws.masks.latestRevision(image.id);
  const { width, height, depth, labels: before } = stackedPlanesAlong(ws, image, axis);
  if (!before.includes(request.classIndex)) {
    const name = classes[request.classIndex]?.name ?? `class ${request.classIndex}`;
    throw new UserError(`${image.name} has no voxel of ${name}: paint some before running morphology on the volume`);
  }
  // The stack along any axis is the native volume turned and flipped, which the 3D operations (cubes, balls,
  // 26-connected components) do not see, so the viewed stack gives the native result, already in viewed planes
  // (only a tie between equally large regions for keep-largest is broken in the viewed order).
  const { labels: after, added, removed } = applyMorphology(before, { width, height, depth }, classes.length, request);
  return { axis, baseRevision, slices: changedPlanes(before, after, width * height), added, removed };
}
