// The interactive model requests: a prediction (kept as the image's uncertainty for sorting), class activation maps
// and evaluation on the project's labels. They share one worker, so a training job never delays them.
import { UserError } from '../api/errors.ts';
import type { CamPayload, CamRequest, CamStage, FeaturesPayload, FeaturesRequest, PredictionPayload } from '../api/service.ts';
import type { MetricsReport } from '../api/types.ts';
import { labeledImages } from './labeled-images.ts';
import { toBase64 } from './payload-bytes.ts';
import type { WorkbenchContext } from './workbench-context.ts';

export async function predict(ctx: WorkbenchContext, modelId: number, imageId: number, slice = 0): Promise<PredictionPayload> {
  const model = ctx.ws.models.require(modelId);
  const image = ctx.ws.images.require(imageId);
  const result = await ctx.interactiveWorker().call({ kind: 'predict', modelDir: model.directory, imagePath: image.path, slice });
  ctx.ws.images.setUncertainty(imageId, result.uncertaintyScore);
  ctx.ws.images.setPredicted(imageId, true);
  return {
    width: result.width,
    height: result.height,
    numClasses: result.numClasses,
    mask: toBase64(result.mask),
    probabilities: toBase64(result.probabilities),
    uncertainty: toBase64(result.uncertainty),
    uncertaintyScore: result.uncertaintyScore,
  };
}

export async function cam(ctx: WorkbenchContext, request: CamRequest): Promise<CamPayload> {
  const model = ctx.ws.models.require(request.modelId);
  const image = ctx.ws.images.require(request.imageId);
  const result = await ctx.interactiveWorker().call({
    kind: 'cam',
    modelDir: model.directory,
    imagePath: image.path,
    slice: request.slice ?? 0,
    classIndex: request.classIndex,
    ...(request.layer ? { layer: request.layer } : {}),
    ...(request.region ? { region: request.region } : {}),
  });
  return { width: result.width, height: result.height, heatmap: toBase64(result.heatmap), layer: result.layer };
}

export async function camLayers(ctx: WorkbenchContext, modelId: number): Promise<{ stages: CamStage[]; defaultLayer: string }> {
  const model = ctx.ws.models.require(modelId);
  return ctx.interactiveWorker().call({ kind: 'cam-layers', modelDir: model.directory });
}

export async function features(ctx: WorkbenchContext, request: FeaturesRequest): Promise<FeaturesPayload> {
  const model = ctx.ws.models.require(request.modelId);
  const image = ctx.ws.images.require(request.imageId);
  const result = await ctx.interactiveWorker().call({
    kind: 'features',
    modelDir: model.directory,
    imagePath: image.path,
    slice: request.slice ?? 0,
    channels: request.channels ?? 64,
    ...(request.layer ? { layer: request.layer } : {}),
  });
  const { grid, ...rest } = result;
  return { ...rest, grid: toBase64(grid) };
}

/** Evaluates a model on the project's current labels and records the report. */
export async function evaluate(ctx: WorkbenchContext, modelId: number, projectId: number): Promise<MetricsReport> {
  const model = ctx.ws.models.require(modelId);
  const project = ctx.ws.projects.require(projectId);
  const images = labeledImages(ctx.ws, projectId);
  if (images.length === 0) throw new UserError(`project "${project.name}" has no labeled images to evaluate on`);
  const report = await ctx.interactiveWorker().call({ kind: 'evaluate', modelDir: model.directory, images });
  ctx.ws.evaluations.add(modelId, projectId, report, []);
  return report;
}
