// Convolutional autoencoder for encoder pre-training on unlabeled images: its encoder is exactly the segmentation
// model's encoder layers (the same layer objects, so training it trains them), followed by a light decoder
// that reconstructs the input. Denoising (Gaussian noise) and masked-patch (context encoder) variants corrupt
// the input; the loss compares the reconstruction with the clean image.
import * as tf from '@tensorflow/tfjs';
import { getArchitecture, type BaseModelConfig } from './registry.ts';

/**
 * Wraps `segmentation`'s encoder: input → last encoder layer (its first output) → log2(sizeMultiple) steps of
 * ×2 nearest up-sampling + 3×3 conv + ReLU → 1×1 linear conv back to the input channels.
 */
export function buildAutoencoder(segmentation: tf.LayersModel, architecture: string, config: BaseModelConfig): tf.LayersModel {
  const arch = getArchitecture(architecture);
  const encoder = arch.encoderLayers(segmentation, config);
  if (encoder.length === 0) throw new Error(`${architecture}: the architecture names no encoder layers`);
  const last = segmentation.getLayer(encoder[encoder.length - 1]).output;
  let x = (Array.isArray(last) ? last[0] : last) as tf.SymbolicTensor;
  const steps = Math.round(Math.log2(arch.sizeMultiple(config)));
  let filters = x.shape[3] ?? 32;
  for (let i = 1; i <= steps; i++) {
    filters = Math.max(8, Math.floor(filters / 2));
    x = tf.layers.upSampling2d({ size: [2, 2], name: `ae_dec${i}_up` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal', name: `ae_dec${i}_conv` })
      .apply(x) as tf.SymbolicTensor;
  }
  const out = tf.layers.conv2d({ filters: config.inputChannels, kernelSize: 1, name: 'ae_reconstruction' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: segmentation.inputs, outputs: out, name: `${architecture}_autoencoder` });
}

export interface Corruption {
  /** Standard deviation of added Gaussian noise, in normalised units (0: none). */
  denoiseSigma: number;
  /** Fraction of patchSize×patchSize cells set to zero (the normalised mean), 0: none. */
  maskRatio: number;
  /** Side of a masked cell in pixels. */
  maskCell: number;
}

/**
 * Corrupts a clean normalised batch [b, h, w, c]. Returns the network input and per-pixel loss weights
 * [b, h, w, 1]: with masking, only masked pixels count (the network must inpaint, not copy); otherwise all do.
 */
export function corrupt(clean: tf.Tensor4D, c: Corruption, seed: number): { input: tf.Tensor4D; weights: tf.Tensor4D } {
  return tf.tidy(() => {
    const [b, h, w] = clean.shape;
    let input: tf.Tensor4D = c.denoiseSigma > 0 ? tf.add(clean, tf.randomNormal(clean.shape, 0, c.denoiseSigma, 'float32', seed)) : clean.clone();
    if (c.maskRatio <= 0) return { input, weights: tf.ones([b, h, w, 1]) as tf.Tensor4D };
    const cellsH = Math.ceil(h / c.maskCell);
    const cellsW = Math.ceil(w / c.maskCell);
    const cells = tf.cast(tf.less(tf.randomUniform([b, cellsH, cellsW, 1], 0, 1, 'float32', seed + 1), c.maskRatio), 'float32') as tf.Tensor4D;
    const masked = tf.slice(tf.image.resizeNearestNeighbor(cells, [cellsH * c.maskCell, cellsW * c.maskCell]), [0, 0, 0, 0], [b, h, w, 1]) as tf.Tensor4D;
    input = tf.mul(input, tf.sub(1, masked)) as tf.Tensor4D;
    return { input, weights: masked };
  });
}

/** Mean squared reconstruction error over the weighted pixels and all channels. */
export function reconstructionLoss(reconstruction: tf.Tensor, clean: tf.Tensor, weights: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const perPixel = tf.mean(tf.squaredDifference(reconstruction, clean), -1, true);
    return tf.div(tf.sum(tf.mul(perPixel, weights)), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
  });
}
