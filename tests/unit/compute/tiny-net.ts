// A tiny segmentation net (conv-relu-maxpool-upsample-conv-softmax) and one deterministic batch, for backend comparisons.
import * as tf from '@tensorflow/tfjs';

export const CLASSES = 3;

/** Builds the net on the active backend, with weights from `initial` when given. */
export function buildTinyNet(initial?: tf.Tensor[]): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [12, 12, 2], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.upSampling2d({ size: [3, 3], interpolation: 'bilinear' }),
      tf.layers.conv2d({ filters: CLASSES, kernelSize: 1, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  if (initial) model.setWeights(initial);
  model.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
  return model;
}

/** A learnable batch: 3×3 blocks of constant input, each block's class set by its two input channels. */
export function tinyBatch(): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => {
    const x = tf.image.resizeNearestNeighbor(tf.randomUniform([4, 4, 4, 2], 0, 1, 'float32', 7) as tf.Tensor4D, [12, 12]);
    const labels = tf.add(tf.cast(tf.greater(x.slice([0, 0, 0, 0], [4, 12, 12, 1]), 0.5), 'int32'),
      tf.cast(tf.greater(x.slice([0, 0, 0, 1], [4, 12, 12, 1]), 0.7), 'int32')).reshape([4, 12, 12]);
    return { x, y: tf.oneHot(labels, CLASSES) };
  });
}

/** Runs `steps` training steps on `backend` from `initial` weights; returns the losses and the final weights. */
export async function trainTinyNet(backend: string, initial: Float32Array[], shapes: number[][], steps: number): Promise<{ losses: number[]; weights: Float32Array[] }> {
  await tf.setBackend(backend);
  const model = buildTinyNet(initial.map((values, i) => tf.tensor(values, shapes[i])));
  const { x, y } = tinyBatch();
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) losses.push(Number(await model.trainOnBatch(x, y)));
  // Async reads: WebGPU's synchronous read needs OffscreenCanvas, which Node lacks.
  const weights = await Promise.all(model.getWeights().map(async (w) => Float32Array.from(await w.data())));
  model.dispose();
  tf.dispose([x, y]);
  return { losses, weights };
}

/** The net's initial weights (built on cpu) as plain arrays and shapes. */
export async function initialWeights(): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  await tf.setBackend('cpu');
  const model = buildTinyNet();
  const weights = model.getWeights();
  const result = { values: weights.map((w) => Float32Array.from(w.dataSync())), shapes: weights.map((w) => w.shape) };
  model.dispose();
  return result;
}
