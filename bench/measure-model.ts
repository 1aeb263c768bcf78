// Measures one architecture on one backend (a tfjs backend, or onnxruntime for inference) in its own process (so peak RSS and the wasm build are its own):
// the training loop's exact step (Adam, segmentationLoss, optimizer.minimize over the trainable weights,
// model.apply with training: true) and model.predict, each timed as the median over steps after warm-up.
// Prints one JSON line. Run by bench.ts: node --import tsx bench/measure-model.ts '<json options>'
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { defaultClasses } from '../src/labels/palette.ts';
import { initBackend } from '../src/compute/backends.ts';
import { createOnnxSession, type OnnxProvider } from '../src/compute/onnxruntime.ts';
import { computeThreads } from '../src/compute/threads.ts';
import { onnxPredictor } from '../src/inference/onnx-predictor.ts';
import type { ModelMeta } from '../src/models/model-dir.ts';
import { OnnxTrainer } from '../src/training/onnx-trainer.ts';
import { exportOnnx } from '../src/models/onnx/export.ts';
import { activeWasmThreads } from '../src/compute/wasm-threads.ts';
import { architectureNames, getArchitecture, resolveConfig } from '../src/models/index.ts';
import { segmentationLoss } from '../src/training/losses.ts';

export interface MeasureOptions {
  /** Bench name: unet, segnet or deeplab. */
  model: string;
  architecture: string;
  preset: string;
  backend: string;
  size: number;
  batch: number;
  steps: number;
  warmup: number;
  channels: number;
  classes: number;
}

export interface Measurement {
  model: string;
  backend: string;
  size: number;
  batch: number;
  trainImagesPerSecond: number | null;
  inferImagesPerSecond: number | null;
  peakRssMB: number;
  architecture: string;
  preset: string;
  /** Trainable parameters (tfjs's countParams also counts batch-norm moving statistics; PyTorch does not). */
  parameters?: number;
  threads?: number;
  trainStepMs?: number;
  inferBatchMs?: number;
  steps: number;
  loadAverage: number;
  skipped?: string;
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function timeMedian(warmup: number, steps: number, run: () => Promise<void>): Promise<number> {
  for (let i = 0; i < warmup; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

function peakRssMB(): number {
  return round(process.resourceUsage().maxRSS / 1024, 1);
}

/**
 * ONNX Runtime: the training loop's step compiled to one graph (OnnxTrainer, Adam, cross-entropy) and inference
 * through the exported graph and the predictor the product uses, NHWC ↔ NCHW copies included in both.
 */
async function measureOnnx(o: MeasureOptions, base: Omit<Measurement, 'trainImagesPerSecond' | 'inferImagesPerSecond' | 'peakRssMB'>): Promise<Measurement> {
  await initBackend(o.backend);
  const config = resolveConfig(o.architecture, { inputChannels: o.channels, numClasses: o.classes }, o.preset);
  const model = getArchitecture(o.architecture).build(config);
  const meta: ModelMeta = {
    format: 'segwork-model', formatVersion: 1, architecture: o.architecture, config, classes: defaultClasses(o.classes), inputChannels: o.channels,
    normalisation: { mean: Array(o.channels).fill(0), std: Array(o.channels).fill(1) },
  };
  const provider = o.backend === 'onnxruntime' ? undefined : (o.backend.slice('onnxruntime-'.length) as OnnxProvider);
  const parameters = model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
  const images = Float32Array.from({ length: o.batch * o.size * o.size * o.channels }, () => Math.random() * 2 - 1);
  const trainer = await OnnxTrainer.create(model, { batchSize: o.batch, patchSize: o.size, bands: o.channels, learningRate: 1e-3, loss: { numClasses: o.classes, diceWeight: 0 }, ...(provider ? { provider } : {}) });
  const batch = { images, masks: Uint8Array.from({ length: o.batch * o.size * o.size }, () => Math.floor(Math.random() * o.classes)), batchSize: o.batch, size: o.size, bands: o.channels };
  const trainStepMs = await timeMedian(o.warmup, o.steps, async () => {
    const loss = await trainer.step(batch);
    if (!Number.isFinite(loss)) throw new Error(`${o.model} on ${o.backend}: the loss is ${loss}`);
  });
  trainer.dispose();
  const session = await createOnnxSession(exportOnnx(model, meta), provider ? { provider } : {});
  model.dispose();
  const predict = onnxPredictor(session);
  const tiles = { data: images, count: o.batch, height: o.size, width: o.size, channels: o.channels };
  const inferBatchMs = await timeMedian(o.warmup, o.steps, async () => void (await predict(tiles)));
  await session.session.release();
  return {
    ...base,
    backend: `onnxruntime (${session.provider})`,
    trainImagesPerSecond: round((o.batch * 1000) / trainStepMs, 3),
    inferImagesPerSecond: round((o.batch * 1000) / inferBatchMs, 3),
    peakRssMB: peakRssMB(),
    parameters,
    threads: computeThreads(),
    trainStepMs: round(trainStepMs, 1),
    inferBatchMs: round(inferBatchMs, 1),
  };
}

export async function measure(o: MeasureOptions): Promise<Measurement> {
  const base = { model: o.model, backend: o.backend, size: o.size, batch: o.batch, architecture: o.architecture, preset: o.preset, steps: o.steps, loadAverage: round(os.loadavg()[0]!) };
  if (!architectureNames().includes(o.architecture)) {
    return { ...base, trainImagesPerSecond: null, inferImagesPerSecond: null, peakRssMB: peakRssMB(), skipped: `architecture '${o.architecture}' is not registered` };
  }
  if (o.backend.startsWith('onnxruntime')) return measureOnnx(o, base);
  await initBackend(o.backend);
  const config = resolveConfig(o.architecture, { inputChannels: o.channels, numClasses: o.classes }, o.preset);
  const model = getArchitecture(o.architecture).build(config);
  const optimizer = tf.train.adam(1e-3);
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const x = tf.randomNormal([o.batch, o.size, o.size, o.channels]) as tf.Tensor4D;
  const y = tf.randomUniform([o.batch, o.size, o.size], 0, o.classes, 'int32') as tf.Tensor3D;
  const lossOptions = { numClasses: o.classes, diceWeight: 0 };

  const trainStepMs = await timeMedian(o.warmup, o.steps, async () => {
    const loss = tf.tidy(() => optimizer.minimize(
      () => segmentationLoss(model.apply(x, { training: true }) as tf.Tensor4D, y, lossOptions), true, varList)!);
    const value = (await loss.data())[0]!;
    loss.dispose();
    if (!Number.isFinite(value)) throw new Error(`${o.model} on ${o.backend}: the loss is ${value}`);
  });
  const inferBatchMs = await timeMedian(o.warmup, o.steps, async () => {
    const probs = tf.tidy(() => model.predict(x) as tf.Tensor);
    await probs.data();
    probs.dispose();
  });
  const result: Measurement = {
    ...base,
    trainImagesPerSecond: round((o.batch * 1000) / trainStepMs, 3),
    inferImagesPerSecond: round((o.batch * 1000) / inferBatchMs, 3),
    peakRssMB: peakRssMB(),
    parameters: model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0),
    ...(o.backend === 'wasm' ? { threads: activeWasmThreads() } : {}),
    trainStepMs: round(trainStepMs, 1),
    inferBatchMs: round(inferBatchMs, 1),
  };
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return result;
}

if (process.argv[1] != null && import.meta.filename === process.argv[1]) {
  const options = JSON.parse(process.argv[2] ?? '{}') as MeasureOptions;
  console.log(JSON.stringify(await measure(options)));
  // The threaded wasm build keeps pthread workers alive; the measurement is done.
  process.exit(0);
}
