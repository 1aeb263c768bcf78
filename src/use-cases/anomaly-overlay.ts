// The "Anomaly" overlay: a project names an anomaly model folder (from `segwork anomaly train`), and the open
// slice's anomaly map is computed by the interactive worker; its score is kept as the image's anomaly score.
import * as path from 'node:path';
import { UserError } from '../api/errors.ts';
import type { AnomalyMapPayload, AnomalyMapRequest, AnomalyModelInfo } from '../api/service.ts';
import { readAnomalyMeta } from '../anomaly/meta.ts';
import { toBase64 } from './payload-bytes.ts';
import type { WorkbenchContext } from './workbench-context.ts';

/** Records the folder after checking it holds an anomaly model; none clears it. */
export async function setAnomalyModel(ctx: WorkbenchContext, projectId: number, dir?: string): Promise<AnomalyModelInfo | null> {
  ctx.ws.projects.require(projectId);
  const info = dir === undefined ? null : await describe(path.resolve(dir));
  ctx.ws.anomaly.setModelDir(projectId, info?.dir ?? null);
  return info;
}

export async function anomalyModel(ctx: WorkbenchContext, projectId: number): Promise<AnomalyModelInfo | null> {
  ctx.ws.projects.require(projectId);
  const dir = ctx.ws.anomaly.modelDir(projectId);
  return dir === null ? null : describe(dir);
}

export async function anomalyMap(ctx: WorkbenchContext, request: AnomalyMapRequest): Promise<AnomalyMapPayload> {
  const image = ctx.ws.images.require(request.imageId);
  const modelDir = ctx.ws.anomaly.modelDir(image.projectId);
  if (modelDir === null) throw new UserError(`project ${image.projectId} has no anomaly model: train one with "segwork anomaly train" and choose its folder`);
  const result = await ctx.interactiveWorker().call({ kind: 'anomaly-map', modelDir, imagePath: image.path, slice: request.slice ?? 0 });
  ctx.ws.anomaly.setScore(image.id, result.score);
  return { width: result.width, height: result.height, heatmap: toBase64(result.heatmap), score: result.score };
}

async function describe(dir: string): Promise<AnomalyModelInfo> {
  const meta = await readAnomalyMeta(dir);
  return { dir, objective: meta.objective, sigma: meta.sigma, trainImages: meta.training.trainImages, inputChannels: meta.inputChannels };
}
