// Convolutional autoencoder for encoder pre-training on unlabeled images: its encoder is exactly the segmentation
// model's encoder layers (the same layer objects, so training it trains them), followed by a light decoder
// that reconstructs the input. The parts stay separate models so that an objective can act on the code between
// them (sparsity, contraction, a Gaussian bottleneck) and so that stacked training can cut the encoder after a stage.
import * as tf from '@tensorflow/tfjs';
import { getArchitecture, type BaseModelConfig } from './registry.ts';

export interface AutoencoderParts {
  /** Image → code: the segmentation model's own layers up to the code layer. */
  encoder: tf.LayersModel;
  /** Code → reconstruction at input size (new `ae_` layers). */
  decoder: tf.LayersModel;
  /** Code → [mean, log-variance] by 1×1 convs, for a variational bottleneck; the decoder then reads a sample. */
  gaussian?: tf.LayersModel;
}

/**
 * The encoder's stages in order, each the encoder layer names of one block (named `<block>_…`, as every
 * architecture names them); a block without weights (a size check) joins the next one. Stacked pre-training
 * trains them one at a time.
 */
export function encoderStages(segmentation: tf.LayersModel, encoderLayers: string[]): string[][] {
  const stages: string[][] = [];
  let pending: string[] = [];
  let block = '';
  for (const name of encoderLayers) {
    const prefix = name.split('_')[0]!;
    if (prefix !== block && pending.some((n) => segmentation.getLayer(n).countParams() > 0)) {
      stages.push(pending);
      pending = [];
    }
    block = prefix;
    pending.push(name);
  }
  if (pending.some((n) => segmentation.getLayer(n).countParams() > 0)) stages.push(pending);
  else if (pending.length > 0) stages.at(-1)?.push(...pending);
  return stages;
}

/**
 * Wraps `segmentation`'s encoder up to `lastLayer` (default: the whole encoder): the code is that layer's output,
 * or the input of a trailing dropout (a regulariser, not a feature, and two passes must see the same code).
 * The decoder is log2(stride) steps of ×2 nearest up-sampling + 3×3 conv + ReLU → 1×1 linear conv back to the
 * input channels.
 */
export function buildAutoencoderParts(
  segmentation: tf.LayersModel,
  architecture: string,
  config: BaseModelConfig,
  options: { lastLayer?: string; variational?: boolean } = {},
): AutoencoderParts {
  const arch = getArchitecture(architecture);
  const encoderLayers = arch.encoderLayers(segmentation, config);
  if (encoderLayers.length === 0) throw new Error(`${architecture}: the architecture names no encoder layers`);
  const upTo = encoderLayers.slice(0, encoderLayers.indexOf(options.lastLayer ?? encoderLayers.at(-1)!) + 1);
  let codeLayer = segmentation.getLayer(upTo.at(-1)!);
  while (codeLayer.getClassName() === 'Dropout' && upTo.length > 1) {
    upTo.pop();
    codeLayer = segmentation.getLayer(upTo.at(-1)!);
  }
  const output = codeLayer.output;
  const encoder = tf.model({ inputs: segmentation.inputs, outputs: (Array.isArray(output) ? output[0] : output) as tf.SymbolicTensor, name: `${architecture}_encoder` });
  const multiple = arch.sizeMultiple(config);
  const codeSide = tf.tidy(() => (encoder.predict(tf.zeros([1, multiple, multiple, config.inputChannels])) as tf.Tensor).shape[1]!);
  const steps = Math.round(Math.log2(multiple / codeSide));
  const codeChannels = encoder.outputs[0]!.shape[3] ?? 32;

  const code = tf.input({ shape: [null, null, codeChannels], name: 'ae_code' });
  let x = code;
  let filters = codeChannels;
  for (let i = 1; i <= steps; i++) {
    filters = Math.max(8, Math.floor(filters / 2));
    x = tf.layers.upSampling2d({ size: [2, 2], name: `ae_dec${i}_up` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: 'heNormal', name: `ae_dec${i}_conv` })
      .apply(x) as tf.SymbolicTensor;
  }
  const out = tf.layers.conv2d({ filters: config.inputChannels, kernelSize: 1, name: 'ae_reconstruction' }).apply(x) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: code, outputs: out, name: `${architecture}_decoder` });
  if (!options.variational) return { encoder, decoder };
  const features = tf.input({ shape: [null, null, codeChannels], name: 'ae_features' });
  const mean = tf.layers.conv2d({ filters: codeChannels, kernelSize: 1, name: 'ae_mean' }).apply(features) as tf.SymbolicTensor;
  // Starts near log σ² = −4 so early samples are close to the mean and reconstruction can get going.
  const logVariance = tf.layers
    .conv2d({ filters: codeChannels, kernelSize: 1, biasInitializer: tf.initializers.constant({ value: -4 }), name: 'ae_log_variance' })
    .apply(features) as tf.SymbolicTensor;
  return { encoder, decoder, gaussian: tf.model({ inputs: features, outputs: [mean, logVariance], name: `${architecture}_gaussian` }) };
}

/** Frees the decoder's and the Gaussian head's weights; the encoder's belong to the segmentation model. */
export function disposeAutoencoderParts(parts: AutoencoderParts): void {
  for (const model of [parts.decoder, parts.gaussian]) for (const layer of model?.layers ?? []) if (layer.name.startsWith('ae_')) layer.dispose();
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
