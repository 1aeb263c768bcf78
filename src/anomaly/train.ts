// Training an anomaly model: an autoencoder (the architecture's encoder + the light decoder of
// models/autoencoder.ts) learns to reconstruct normal images only, with pre-training's step loop and objectives;
// then the smoothed error maps of the training images fix the normal scale, and the model directory is saved.
import { CancelledError } from '../api/errors.ts';
import { memorySource } from '../inference/tiler.ts';
import { buildAutoencoderParts, disposeAutoencoderParts } from '../models/autoencoder.ts';
import { getArchitecture, resolveConfig } from '../models/index.ts';
import { computeNormalisation } from '../training/dataset.ts';
import { checkImages, trainAutoencoderSteps, type PretrainJob } from '../training/pretrain.ts';
import type { ObjectiveSettings } from '../training/pretrain-settings.ts';
import { Rng, withSeededMathRandom } from '../training/rng.ts';
import { deviationMap, normalLogError } from './deviation.ts';
import { anomalyMap } from './map.ts';
import { ANOMALY_FORMAT, type AnomalyMeta } from './meta.ts';
import { saveAnomalyModel } from './model-dir.ts';
import { reconstructionModel } from './reconstruction.ts';
import { checkAnomalySettings, DEFAULT_ENCODER, SCALE_PERCENTILE, type AnomalyObjective } from './settings.ts';
import { percentile } from './statistics.ts';

/** A pre-training job (normal images only, all with the same bands) with the anomaly model's own choices. */
export type AnomalyTrainJob = Omit<PretrainJob, 'objective' | 'stacked' | 'architecture'> & {
  objective: AnomalyObjective;
  beta: number;
  sigma: number;
  /** Default: DEFAULT_ENCODER's. */
  architecture?: string;
  /** While the normal scale is measured: images done of all. */
  onScaleProgress?: (done: number, total: number) => void;
};

export interface AnomalyTrainResult {
  meta: AnomalyMeta;
}

/** The training images' smoothed map values kept for the percentile: enough for the 99th, bounded in memory. */
const SCALE_SAMPLES = 4_000_000;

/** Trains, measures the normal scale and saves; a cancel stops it before anything is written. */
export async function trainAnomalyModel(job: AnomalyTrainJob): Promise<AnomalyTrainResult> {
  checkAnomalySettings(job);
  const architecture = job.architecture ?? DEFAULT_ENCODER.architecture;
  const bands = job.images[0]?.bands ?? 0;
  const config = resolveConfig(architecture, { inputChannels: bands, numClasses: 2 }, job.preset ?? DEFAULT_ENCODER.preset, job.modelConfig ?? (job.architecture ? {} : DEFAULT_ENCODER.modelConfig));
  checkImages({ ...job, architecture }, getArchitecture(architecture).sizeMultiple(config));
  const normalisation = computeNormalisation(job.images.map((i) => ({ bands: i.bands, image: i.data })));
  const objective: ObjectiveSettings = job.objective === 'variational'
    ? { objective: 'variational', weight: job.beta, denoiseSigma: 0, maskRatio: 0 }
    : { objective: 'denoising', weight: 0, denoiseSigma: 0, maskRatio: 0 };
  const segmentation = await withSeededMathRandom(job.seed, async () => getArchitecture(architecture).build(config));
  const parts = await withSeededMathRandom(job.seed + 1, async () => buildAutoencoderParts(segmentation, architecture, config, { variational: job.objective === 'variational' }));
  const reconstruction = reconstructionModel(parts);
  try {
    const started = Date.now();
    const run = await trainAutoencoderSteps(parts, { ...job, objective }, normalisation, new Rng(job.seed), { steps: job.maxSteps, deadlineSeconds: job.timeBudgetSeconds, started, firstStep: 0 });
    if (run.endReason === 'cancelled') throw new CancelledError('anomaly training');
    const seconds = (Date.now() - started) / 1000;
    const partial = { architecture, config, inputChannels: bands, normalisation, sigma: job.sigma };
    const normal = await measureNormalMaps(reconstruction, partial, job);
    const window = Math.max(1, Math.min(10, Math.floor(run.losses.length / 2)));
    const meta: AnomalyMeta = {
      format: ANOMALY_FORMAT,
      formatVersion: 1,
      ...partial,
      objective: job.objective,
      beta: job.objective === 'variational' ? job.beta : 0,
      ...normal,
      training: {
        steps: run.losses.length,
        seconds,
        firstLoss: mean(run.losses.slice(0, window)),
        lastLoss: mean(run.losses.slice(-window)),
        endReason: run.endReason ?? 'max steps',
        trainImages: job.images.length,
        seed: job.seed,
        trainedAt: new Date().toISOString(),
      },
    };
    await saveAnomalyModel(job.outDir, reconstruction, meta);
    return { meta };
  } finally {
    disposeAutoencoderParts(parts);
    segmentation.dispose();
  }
}

/**
 * What normal maps look like, from the training images' smoothed maps (evenly subsampled when large): the error's
 * SCALE_PERCENTILE-th percentile, and the log error's mean and std with the deviation's percentile.
 */
async function measureNormalMaps(reconstruction: Parameters<typeof anomalyMap>[0], meta: Parameters<typeof anomalyMap>[1], job: AnomalyTrainJob): Promise<Pick<AnomalyMeta, 'normalScale' | 'deviation'>> {
  const total = job.images.reduce((n, i) => n + i.width * i.height, 0);
  const stride = Math.max(1, Math.ceil(total / SCALE_SAMPLES));
  const kept: number[] = [];
  for (const [done, image] of job.images.entries()) {
    const map = await anomalyMap(reconstruction, meta, memorySource(image.data, image.width, image.height, image.bands), image.name, { signal: job.signal });
    for (let i = 0; i < map.length; i += stride) kept.push(map[i]!);
    job.onScaleProgress?.(done + 1, job.images.length);
  }
  // A map of exact zeros (a constant image reconstructed perfectly) still needs positive scales.
  const errors = Float32Array.from(kept);
  const logError = normalLogError(errors);
  return {
    normalScale: Math.max(percentile(errors, SCALE_PERCENTILE), 1e-12),
    deviation: { ...logError, scale: Math.max(percentile(deviationMap(errors, logError), SCALE_PERCENTILE), 1e-12) },
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
