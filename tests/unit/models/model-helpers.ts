// Shared by the model tests: backend choice, a real membrane patch, loss, one training step, IoU, save to memory.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { initBackend } from '../../../src/compute/backends.ts';
import '../../../src/models/index.ts';
import { getArchitecture, resolveConfig } from '../../../src/models/registry.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const membraneDir = path.resolve(repoRoot, '../shared/data/isbi2012-membrane/train');

/** wasm (with Segwork's training kernels) unless SEGWORK_BACKEND names another; cpu alone is too slow here. */
export async function useTestBackend(): Promise<string> {
  return initBackend(process.env.SEGWORK_BACKEND ? undefined : 'wasm');
}

export const BASE = { inputChannels: 1, numClasses: 2 };

export function buildPreset(name: string, preset?: string, overrides: Record<string, unknown> = {}) {
  const arch = getArchitecture(name);
  const config = resolveConfig(name, BASE, preset, overrides);
  return { arch, config, model: arch.build(config) };
}

/** Mean categorical cross-entropy of softmax output against one-hot targets. */
export function crossEntropy(probs: tf.Tensor, oneHot: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.add(probs, 1e-7))), -1))) as tf.Scalar;
}

export function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor, oneHot: tf.Tensor): number {
  const loss = optimizer.minimize(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, oneHot), true)!;
  const value = loss.dataSync()[0];
  loss.dispose();
  return value;
}

/** Mean over classes of intersection / union between predicted argmax and labels. */
export function meanIoU(model: tf.LayersModel, x: tf.Tensor, labels: Int32Array, numClasses: number): number {
  const predicted = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, -1).dataSync());
  let sum = 0;
  for (let c = 0; c < numClasses; c++) {
    let inter = 0;
    let union = 0;
    for (let i = 0; i < labels.length; i++) {
      const p = predicted[i] === c;
      const t = labels[i] === c;
      if (p && t) inter++;
      if (p || t) union++;
    }
    sum += union === 0 ? 1 : inter / union;
  }
  return sum / numClasses;
}

export interface Patch {
  x: tf.Tensor4D;
  labels: Int32Array;
  oneHot: tf.Tensor4D;
}

/** A size×size crop of a real ISBI 2012 membrane image and its label (0 → class 0, 255 → class 1), or null if absent. */
export function membranePatch(size: number, left = 200, top = 200, index = 0): Patch | null {
  const imagePath = path.join(membraneDir, 'image', `${index}.png`);
  const labelPath = path.join(membraneDir, 'label', `${index}.png`);
  if (!existsSync(imagePath) || !existsSync(labelPath)) return null;
  const image = PNG.sync.read(readFileSync(imagePath));
  const label = PNG.sync.read(readFileSync(labelPath));
  const pixels = new Float32Array(size * size);
  const labels = new Int32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const at = ((top + y) * image.width + left + x) * 4; // pngjs decodes to RGBA
      pixels[y * size + x] = image.data[at] / 255;
      labels[y * size + x] = label.data[at] > 127 ? 1 : 0;
    }
  }
  const x = tf.tensor4d(pixels, [1, size, size, 1]);
  const oneHot = tf.tidy(() => tf.reshape(tf.oneHot(tf.tensor1d(labels, 'int32'), 2), [1, size, size, 2]) as tf.Tensor4D);
  return { x, labels, oneHot };
}

export async function saveToMemory(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}
