// Training from the workbench: the project's labels train a model in a worker of its own, recorded as a run whose
// model appears in the project after the first epoch. Fine-tuning (live mode) continues a base model in place.
import * as path from 'node:path';
import { ArgumentError, UserError } from '../api/errors.ts';
import { foregroundClassProblem } from '../training/weight-map.ts';
import type { StartTrainingRequest } from '../api/service.ts';
import type { TrainOptions } from '../api/types.ts';
import { DEFAULT_TRAIN_OPTIONS } from '../training/loop.ts';
import { checkedModelChoice } from './catalogue.ts';
import { labeledImages } from './labeled-images.ts';
import { recordedEncoders } from './pretraining.ts';
import { TrainingRunRecord } from './training-runs.ts';
import type { WorkbenchContext } from './workbench-context.ts';

/** Request fields besides TrainOptions' own that a caller may set. */
const EXTRA_REQUEST_FIELDS = ['stepsPerEpoch', 'timeBudgetSeconds', 'modelConfig', 'sliceContext', 'elasticSigma', 'weightMap'];

/**
 * The workbench's training options: quicker than the CLI's defaults (small patches, 10 epochs) because a user waits
 * for them, validation only once there are enough images to spare some; then what the request sets.
 */
function workbenchTrainOptions(request: StartTrainingRequest, imageCount: number, architecture: string, preset: string | undefined): TrainOptions {
  return {
    ...DEFAULT_TRAIN_OPTIONS,
    patchSize: 64,
    epochs: 10,
    valSplit: imageCount >= 5 ? 0.2 : 0,
    ...Object.fromEntries(Object.entries(request).filter(([k]) => k in DEFAULT_TRAIN_OPTIONS || EXTRA_REQUEST_FIELDS.includes(k))),
    architecture,
    preset,
  };
}

export async function startTraining(ctx: WorkbenchContext, projectId: number, request: StartTrainingRequest): Promise<{ job: number; initEncoderDir?: string }> {
  const { ws } = ctx;
  const project = ws.projects.require(projectId);
  const images = labeledImages(ws, projectId);
  if (images.length === 0) throw new UserError(`project "${project.name}" has no labeled pixels yet: paint a few strokes per class first`);
  const base = request.baseModelId !== undefined ? ws.models.require(request.baseModelId) : null;
  // Fine-tuning keeps the base model's architecture and preset; a fresh model takes the request's, where no preset
  // means the architecture's default. Checked here, so a wrong choice fails in the caller's request.
  const architecture = base?.architecture ?? request.architecture ?? DEFAULT_TRAIN_OPTIONS.architecture;
  const requestedPreset = base ? (base.config.preset as string | undefined) : request.preset;
  const { preset } = checkedModelChoice(architecture, requestedPreset, { inputChannels: 1, numClasses: project.classes.length }, request.modelConfig);
  const options = workbenchTrainOptions(request, images.length, architecture, preset);
  const weightMapProblem = options.weightMap && foregroundClassProblem(options.weightMap.foregroundClass, project.classes.length);
  if (weightMapProblem) throw new ArgumentError('startTraining', 'options.weightMap.foregroundClass', weightMapProblem);
  const name = request.name ?? `${project.name} ${options.architecture} ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`;
  const outDir = base?.directory ?? path.join(ws.dir, 'models', `${projectId}-${Date.now()}`);
  const initEncoderDir = base
    ? undefined
    : (request.initEncoderDir ?? (await recordedEncoders(ws, projectId)).find((e) => e.architecture === options.architecture && e.preset === options.preset)?.directory);
  const run = new TrainingRunRecord(ws, { projectId, modelId: base?.id ?? null, config: { ...options, name }, backend: ctx.backend ?? 'auto' });
  const job = ctx.jobs.start(
    {
      kind: 'train',
      images,
      classes: project.classes,
      options,
      outDir,
      ...(base ? { baseModelDir: base.directory } : {}),
      ...(initEncoderDir ? { initEncoderDir } : {}),
    },
    (job) => ({
      onTrainEvent: (event) => {
        if (event.type === 'epoch') {
          run.epoch(event);
          // A fresh model joins the project once it has an epoch's weights to predict with.
          if (!base && run.modelId === null) {
            run.setModel(ws.models.add({ projectId, name, architecture: options.architecture, config: { preset: options.preset }, classes: project.classes, directory: outDir }).id);
          }
        }
        ctx.publish({ job, kind: 'train', event: event.type === 'start' ? { ...event, runId: run.runId } : event });
      },
    }),
    (end) => run.finish(end),
  );
  return { job, ...(initEncoderDir ? { initEncoderDir } : {}) };
}
