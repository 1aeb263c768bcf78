// The "Weight map" overlay: U-Net's separation weight map of an image's current labels, as training would weight
// its pixels (with class weights of 1), so users see which gaps between objects the loss stresses.
import { UserError } from '../api/errors.ts';
import type { WeightMapPayload, WeightMapRequest } from '../api/service.ts';
import type { Workspace } from '../store/workspace.ts';
import { foregroundClassProblem, separationWeightMap, WEIGHT_MAP_DEFAULTS } from '../training/weight-map.ts';
import { toBase64 } from './payload-bytes.ts';

export function weightMapOverlay(ws: Workspace, request: WeightMapRequest): WeightMapPayload {
  const image = ws.images.require(request.imageId);
  const project = ws.projects.require(image.projectId);
  const slice = request.slice ?? 0;
  const options = { foregroundClass: request.foregroundClass, w0: request.w0 ?? WEIGHT_MAP_DEFAULTS.w0, sigma: request.sigma ?? WEIGHT_MAP_DEFAULTS.sigma };
  const problem = foregroundClassProblem(options.foregroundClass, project.classes.length);
  if (problem) throw new UserError(problem);
  const mask = ws.masks.current(image.id, slice);
  if (!mask) throw new UserError(`image "${image.name}"${image.slices > 1 ? ` slice ${slice}` : ''} has no labels yet: the weight map is computed from them`);
  const { weights, objects } = separationWeightMap(mask.data, mask.width, mask.height, options, project.classes.map(() => 1));
  const maxWeight = weights.reduce((m, w) => Math.max(m, w), 0);
  const scale = maxWeight > 0 ? 255 / maxWeight : 0;
  return { width: mask.width, height: mask.height, heatmap: toBase64(Uint8Array.from(weights, (w) => Math.round(w * scale))), maxWeight, objects };
}
