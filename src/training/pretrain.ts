// Encoder pre-training on unlabeled images: random patches → the architecture's own encoder + a light decoder,
// trained with one of the autoencoder family's objectives (pretrain-objectives.ts); stacked, one encoder stage at a
// time with the earlier ones frozen (greedy layer-wise, Bengio et al. 2007). The result is saved as an ordinary
// model directory of the segmentation architecture whose encoder layers hold the pre-trained weights, so
// `segwork train --init-encoder DIR` copies them by layer name (decoder and head stay untrained there).
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../api/types.ts';
import { checkedStep } from '../compute/wasm-threads.ts';
import type { ImageData2D } from '../io/raster.ts';
import { buildAutoencoderParts, disposeAutoencoderParts, encoderStages, type AutoencoderParts } from '../models/autoencoder.ts';
import { getArchitecture, resolveConfig } from '../models/index.ts';
import { MODEL_FORMAT, saveModelDir, type ModelMeta, type Normalisation } from '../models/model-dir.ts';
import { computeNormalisation } from './dataset.ts';
import { objectiveLoss } from './pretrain-objectives.ts';
import { checkObjectiveSettings, describeObjective, type ObjectiveSettings } from './pretrain-settings.ts';
import { Rng, withSeededMathRandom } from './rng.ts';

export interface PretrainJob {
  images: (ImageData2D & { name: string })[];
  architecture: string;
  preset?: string;
  modelConfig?: Record<string, unknown>;
  outDir: string;
  backend: BackendName;
  objective: ObjectiveSettings;
  /** Greedy layer-wise: each encoder stage in turn, the earlier ones frozen, the steps and time shared evenly. */
  stacked?: boolean;
  patchSize: number;
  batchSize: number;
  learningRate: number;
  /** Stops at the end of the step that crosses it. */
  timeBudgetSeconds: number;
  maxSteps: number;
  seed: number;
  signal?: AbortSignal;
  onProgress?: (p: { step: number; loss: number; seconds: number }) => void;
}

export interface PretrainResult {
  steps: number;
  seconds: number;
  /** The objective's mean loss over the first and the last steps, up to 10 each (of the last stage when stacked). */
  firstLoss: number;
  lastLoss: number;
  endReason: 'time budget' | 'max steps' | 'cancelled';
  /** One entry per trained stage (one in all unless stacked): its deepest layer and its own loss. */
  stages: StageResult[];
}

export interface StageResult {
  lastLayer: string;
  steps: number;
  firstLoss: number;
  lastLoss: number;
}

/** Normalised patchSize² crops, one per batch slot, from random images at random places. */
function sampleBatch(job: Pick<PretrainJob, 'images' | 'patchSize' | 'batchSize'>, norm: Normalisation, rng: Rng): tf.Tensor4D {
  const { patchSize: s, batchSize } = job;
  const bands = job.images[0].bands;
  const data = new Float32Array(batchSize * s * s * bands);
  for (let n = 0; n < batchSize; n++) {
    const img = job.images[rng.int(job.images.length)];
    const x0 = rng.int(img.width - s + 1);
    const y0 = rng.int(img.height - s + 1);
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        const from = ((y0 + y) * img.width + x0 + x) * bands;
        const to = ((n * s + y) * s + x) * bands;
        for (let b = 0; b < bands; b++) data[to + b] = (img.data[from + b] - norm.mean[b]) / norm.std[b];
      }
    }
  }
  return tf.tensor4d(data, [batchSize, s, s, bands]);
}

/** What the step loop needs of a job: the images, the batches and the objective, when to stop, whom to tell. */
export type AutoencoderSteps = Pick<PretrainJob, 'images' | 'objective' | 'patchSize' | 'batchSize' | 'learningRate' | 'timeBudgetSeconds' | 'seed' | 'signal' | 'onProgress'>;

/**
 * Trains `parts` with the job's objective on random normalised patches for up to `steps` steps, or until
 * `deadlineSeconds` after `started` (ms). `endReason` is set when the job's time budget ran out or it was cancelled.
 */
export async function trainAutoencoderSteps(
  parts: AutoencoderParts,
  job: AutoencoderSteps,
  normalisation: Normalisation,
  rng: Rng,
  limits: { steps: number; deadlineSeconds: number; started: number; firstStep: number },
): Promise<{ losses: number[]; endReason?: 'time budget' | 'cancelled' }> {
  const optimizer = tf.train.adam(job.learningRate);
  const losses: number[] = [];
  let endReason: 'time budget' | 'cancelled' | undefined;
  let step = limits.firstStep;
  try {
    for (let i = 0; i < limits.steps; i++) {
      if (job.signal?.aborted) {
        endReason = 'cancelled';
        break;
      }
      step++;
      const clean = sampleBatch(job, normalisation, rng);
      const loss = await checkedStep(`pre-training step ${step} (batch ${job.batchSize} of ${job.patchSize}² patches)`, async () => {
        const value = optimizer.minimize(() => objectiveLoss(parts, clean, job.objective, job.seed * 100003 + step, rng), true)!;
        const [first] = await value.data();
        value.dispose();
        return first!;
      });
      clean.dispose();
      losses.push(loss);
      const seconds = (Date.now() - limits.started) / 1000;
      job.onProgress?.({ step, loss, seconds });
      if (seconds >= job.timeBudgetSeconds) endReason = 'time budget';
      if (seconds >= limits.deadlineSeconds) break;
      // Let an abort signal (Ctrl-C) be delivered between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    optimizer.dispose();
  }
  return { losses, endReason };
}

/** Throws, naming the image, when the images differ in bands or are smaller than a patch. */
export function checkImages(job: Pick<PretrainJob, 'images' | 'patchSize' | 'architecture'>, sizeMultiple: number): void {
  if (job.images.length === 0) throw new Error('pre-training needs at least one image');
  if (job.patchSize % sizeMultiple !== 0) throw new Error(`patch size ${job.patchSize} must be a multiple of ${sizeMultiple} for ${job.architecture}`);
  const bands = job.images[0].bands;
  for (const img of job.images) {
    if (img.bands !== bands) throw new Error(`${img.name}: ${img.bands} band(s), but ${job.images[0].name} has ${bands}`);
    if (img.width < job.patchSize || img.height < job.patchSize) {
      throw new Error(`${img.name}: ${img.width}×${img.height} is smaller than the ${job.patchSize}px patch size`);
    }
  }
}

export async function pretrainEncoder(job: PretrainJob): Promise<PretrainResult> {
  checkObjectiveSettings(job.objective);
  const bands = job.images[0]?.bands ?? 0;
  // The encoder does not depend on the class count; 2 makes the saved directory a valid model of the architecture.
  const config = resolveConfig(job.architecture, { inputChannels: bands, numClasses: 2 }, job.preset, job.modelConfig);
  const arch = getArchitecture(job.architecture);
  checkImages(job, arch.sizeMultiple(config));
  const normalisation = computeNormalisation(job.images.map((i) => ({ bands: i.bands, image: i.data })));
  // Weight init is seeded too, so a --seed repeats a run.
  const segmentation = await withSeededMathRandom(job.seed, async () => arch.build(config));
  const encoderLayers = arch.encoderLayers(segmentation, config);
  const stages = job.stacked ? encoderStages(segmentation, encoderLayers) : [encoderLayers];
  const rng = new Rng(job.seed);
  const started = Date.now();
  const results: StageResult[] = [];
  let endReason: PretrainResult['endReason'] = 'max steps';
  let step = 0;
  try {
    for (const [index, stage] of stages.entries()) {
      if (endReason !== 'max steps') break;
      // Earlier stages keep what they learnt; this stage and its fresh decoder learn.
      for (const name of stages.slice(0, index).flat()) segmentation.getLayer(name).trainable = false;
      const stageSteps = Math.round((job.maxSteps * (index + 1)) / stages.length) - Math.round((job.maxSteps * index) / stages.length);
      const stageDeadline = (job.timeBudgetSeconds * (index + 1)) / stages.length;
      const parts = await withSeededMathRandom(job.seed + index + 1, async () =>
        buildAutoencoderParts(segmentation, job.architecture, config, { lastLayer: stage.at(-1)!, variational: job.objective.objective === 'variational' }),
      );
      let losses: number[] = [];
      try {
        const run = await trainAutoencoderSteps(parts, job, normalisation, rng, { steps: stageSteps, deadlineSeconds: stageDeadline, started, firstStep: step });
        losses = run.losses;
        step += losses.length;
        if (run.endReason) endReason = run.endReason;
      } finally {
        disposeAutoencoderParts(parts);
      }
      // Up to 10 steps at each end, never the same steps at both (a short stacked stage).
      const window = Math.max(1, Math.min(10, Math.floor(losses.length / 2)));
      if (losses.length > 0) results.push({ lastLayer: parts.encoder.outputs[0]!.sourceLayer.name, steps: losses.length, firstLoss: meanOf(losses.slice(0, window)), lastLoss: meanOf(losses.slice(-window)) });
    }
  } finally {
    // The saved model must train as a whole when it is fine-tuned.
    for (const name of encoderLayers) segmentation.getLayer(name).trainable = true;
  }
  const seconds = (Date.now() - started) / 1000;
  const last = results.at(-1);
  const result: PretrainResult = { steps: step, seconds, firstLoss: last?.firstLoss ?? NaN, lastLoss: last?.lastLoss ?? NaN, endReason, stages: results };
  const how = `${describeObjective(job.objective)}${job.stacked ? `, stacked in ${results.length} stage(s)` : ''}`;
  const meta: ModelMeta = {
    format: MODEL_FORMAT,
    formatVersion: 1,
    architecture: job.architecture,
    config,
    classes: [
      { index: 0, name: 'class 0', color: '#000000' },
      { index: 1, name: 'class 1', color: '#ffffff' },
    ],
    inputChannels: bands,
    normalisation,
    training: {
      epochs: 0,
      bestMeanIoU: null,
      seconds,
      backend: job.backend,
      patchSize: job.patchSize,
      endReason: `encoder pre-training (${how}), ${result.steps} steps, ${endReason}; ${job.objective.objective} loss ${result.firstLoss.toFixed(4)} → ${result.lastLoss.toFixed(4)}`,
      trainedAt: new Date().toISOString(),
      trainImages: job.images.length,
      valImages: 0,
    },
  };
  try {
    await saveModelDir(job.outDir, segmentation, meta);
  } finally {
    segmentation.dispose();
  }
  return result;
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
