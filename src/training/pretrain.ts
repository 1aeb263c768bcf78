// Encoder pre-training on unlabeled images: random patches → corrupt (noise and/or masked cells) → the
// architecture's own encoder + a light decoder reconstructs the clean patch. The result is saved as an ordinary
// model directory of the segmentation architecture whose encoder layers hold the pre-trained weights, so
// `segwork train --init-encoder DIR` copies them by layer name (decoder and head stay untrained there).
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../api/types.ts';
import { checkedStep } from '../compute/wasm-threads.ts';
import type { ImageData2D } from '../io/raster.ts';
import { buildAutoencoder, corrupt, reconstructionLoss, type Corruption } from '../models/autoencoder.ts';
import { getArchitecture, resolveConfig } from '../models/index.ts';
import { MODEL_FORMAT, saveModelDir, type ModelMeta, type Normalisation } from '../models/model-dir.ts';
import { computeNormalisation } from './dataset.ts';
import { Rng } from './rng.ts';

export interface PretrainJob {
  images: (ImageData2D & { name: string })[];
  architecture: string;
  preset?: string;
  modelConfig?: Record<string, unknown>;
  outDir: string;
  backend: BackendName;
  corruption: Corruption;
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
  /** Mean reconstruction loss over the last 10 steps (and over the first 10, to see that it fell). */
  firstLoss: number;
  lastLoss: number;
  endReason: 'time budget' | 'max steps' | 'cancelled';
}

/** Normalised patchSize² crops, one per batch slot, from random images at random places. */
function sampleBatch(job: PretrainJob, norm: Normalisation, rng: Rng): tf.Tensor4D {
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

function checkImages(job: PretrainJob, sizeMultiple: number): void {
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
  const bands = job.images[0]?.bands ?? 0;
  // The encoder does not depend on the class count; 2 makes the saved directory a valid model of the architecture.
  const config = resolveConfig(job.architecture, { inputChannels: bands, numClasses: 2 }, job.preset, job.modelConfig);
  const arch = getArchitecture(job.architecture);
  checkImages(job, arch.sizeMultiple(config));
  const normalisation = computeNormalisation(job.images.map((i) => ({ bands: i.bands, image: i.data })));
  const segmentation = arch.build(config);
  const autoencoder = buildAutoencoder(segmentation, job.architecture, config);
  const optimizer = tf.train.adam(job.learningRate);
  const rng = new Rng(job.seed);
  const started = Date.now();
  const losses: number[] = [];
  let endReason: PretrainResult['endReason'] = 'max steps';
  for (let step = 1; step <= job.maxSteps; step++) {
    if (job.signal?.aborted) {
      endReason = 'cancelled';
      break;
    }
    const clean = sampleBatch(job, normalisation, rng);
    const { input, weights } = corrupt(clean, job.corruption, job.seed * 100003 + step);
    const loss = await checkedStep(`pre-training step ${step} (batch ${job.batchSize} of ${job.patchSize}² patches)`, async () => {
      const value = optimizer.minimize(() => reconstructionLoss(autoencoder.apply(input, { training: true }) as tf.Tensor, clean, weights), true)!;
      const [first] = await value.data();
      value.dispose();
      return first!;
    });
    losses.push(loss);
    tf.dispose([clean, input, weights]);
    const seconds = (Date.now() - started) / 1000;
    job.onProgress?.({ step, loss: losses[losses.length - 1], seconds });
    if (seconds >= job.timeBudgetSeconds) {
      endReason = 'time budget';
      break;
    }
    // Let an abort signal (Ctrl-C) be delivered between steps.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const seconds = (Date.now() - started) / 1000;
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  const result: PretrainResult = {
    steps: losses.length,
    seconds,
    firstLoss: meanOf(losses.slice(0, 10)),
    lastLoss: meanOf(losses.slice(-10)),
    endReason,
  };
  const corruption = [
    job.corruption.denoiseSigma > 0 ? `denoising σ=${job.corruption.denoiseSigma}` : '',
    job.corruption.maskRatio > 0 ? `masked cells ${job.corruption.maskRatio}` : '',
  ].filter(Boolean).join(', ') || 'plain reconstruction';
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
      endReason: `encoder pre-training (${corruption}), ${result.steps} steps, ${endReason}; reconstruction loss ${result.firstLoss.toFixed(4)} → ${result.lastLoss.toFixed(4)}`,
      trainedAt: new Date().toISOString(),
      trainImages: job.images.length,
      valImages: 0,
    },
  };
  await saveModelDir(job.outDir, segmentation, meta);
  optimizer.dispose();
  // The encoder layers belong to both models: dispose them once, with the segmentation model, then the rest.
  segmentation.dispose();
  for (const layer of autoencoder.layers) if (layer.name.startsWith('ae_')) layer.dispose();
  return result;
}
