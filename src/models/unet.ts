// U-Net (Ronneberger et al. 2015): 3×3 conv + ReLU pairs, 2×2 max-pooling, 2× up-sampling that halves the
// channels, concatenation skips, dropout at the bottom, 1×1 softmax head. 'same' padding so output size = input size.
// The up-sampling is the paper's learnt 2×2 up-convolution (a transposed conv of stride 2) or a fixed nearest or
// bilinear resize followed by a 2×2 conv; both halve the channels and have the same weight count.
import * as tf from '@tensorflow/tfjs';
import { BatchNorm } from './layers/batch-norm.ts';
import { SizeCheck } from './layers/size-check.ts';
import { boolField, choiceField, intField, numberField, registerArchitecture, type BaseModelConfig } from './registry.ts';

export interface UNetConfig extends BaseModelConfig {
  /** Number of down-sampling steps. */
  depth: number;
  /** Filters of the first level; doubles at each level down. */
  baseFilters: number;
  dropout: number;
  batchNorm: boolean;
  upsampling: Upsampling;
}

export const UPSAMPLING_MODES = ['nearest', 'bilinear', 'transpose'] as const;
export type Upsampling = (typeof UPSAMPLING_MODES)[number];

/** 2× up-sampling to `filters` channels, named `${name}_upconv` whichever mode (plus `${name}_up` for a resize). */
function upsample(x: tf.SymbolicTensor, filters: number, name: string, mode: Upsampling): tf.SymbolicTensor {
  const common = { filters, kernelSize: 2, padding: 'same' as const, activation: 'relu' as const, kernelInitializer: 'heNormal', name: `${name}_upconv` };
  if (mode === 'transpose') return tf.layers.conv2dTranspose({ ...common, strides: 2 }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.upSampling2d({ size: [2, 2], interpolation: mode, name: `${name}_up` }).apply(x) as tf.SymbolicTensor;
  return tf.layers.conv2d(common).apply(x) as tf.SymbolicTensor;
}

function convPair(x: tf.SymbolicTensor, filters: number, name: string, batchNorm: boolean): tf.SymbolicTensor {
  for (const i of [1, 2]) {
    x = tf.layers
      .conv2d({ filters, kernelSize: 3, padding: 'same', kernelInitializer: 'heNormal', useBias: !batchNorm, name: `${name}_conv${i}` })
      .apply(x) as tf.SymbolicTensor;
    if (batchNorm) x = new BatchNorm({ name: `${name}_bn${i}` }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.reLU({ name: `${name}_relu${i}` }).apply(x) as tf.SymbolicTensor;
  }
  return x;
}

export function buildUNet(config: UNetConfig): tf.LayersModel {
  const input = tf.input({ shape: [null, null, config.inputChannels], name: 'image' });
  const skips: tf.SymbolicTensor[] = [];
  let x = new SizeCheck({ multiple: 2 ** config.depth, name: 'size_check' }).apply(input) as tf.SymbolicTensor;
  for (let level = 0; level < config.depth; level++) {
    x = convPair(x, config.baseFilters * 2 ** level, `enc${level + 1}`, config.batchNorm);
    skips.push(x);
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `enc${level + 1}_pool` }).apply(x) as tf.SymbolicTensor;
  }
  x = convPair(x, config.baseFilters * 2 ** config.depth, 'bottom', config.batchNorm);
  if (config.dropout > 0) x = tf.layers.dropout({ rate: config.dropout, name: 'bottom_dropout' }).apply(x) as tf.SymbolicTensor;
  for (let level = config.depth - 1; level >= 0; level--) {
    const filters = config.baseFilters * 2 ** level;
    const name = `dec${level + 1}`;
    x = upsample(x, filters, name, config.upsampling);
    x = tf.layers.concatenate({ axis: -1, name: `${name}_concat` }).apply([skips[level]!, x]) as tf.SymbolicTensor;
    x = convPair(x, filters, name, config.batchNorm);
  }
  // Logits and softmax are separate layers so CAM can reach the pre-softmax scores.
  const logits = tf.layers.conv2d({ filters: config.numClasses, kernelSize: 1, name: 'logits' }).apply(x) as tf.SymbolicTensor;
  const probs = tf.layers.softmax({ axis: -1, name: 'probabilities' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probs, name: 'unet' });
}

registerArchitecture<UNetConfig>({
  name: 'unet',
  description: 'U-Net: encoder-decoder with concatenation skips (Ronneberger et al. 2015)',
  defaults: { depth: 4, baseFilters: 32, dropout: 0.5, batchNorm: false, upsampling: 'nearest' },
  presets: {
    tiny: { depth: 2, baseFilters: 8, dropout: 0 },
    small: { depth: 3, baseFilters: 16, dropout: 0.2 },
    standard: { depth: 4, baseFilters: 32, dropout: 0.5 },
  },
  choices: { upsampling: UPSAMPLING_MODES },
  validate(c) {
    return {
      inputChannels: intField(c, 'inputChannels', 1, 64),
      numClasses: intField(c, 'numClasses', 2, 255),
      depth: intField(c, 'depth', 1, 6),
      baseFilters: intField(c, 'baseFilters', 1, 256),
      dropout: numberField(c, 'dropout', 0, 0.9),
      batchNorm: boolField(c, 'batchNorm'),
      upsampling: choiceField(c, 'upsampling', UPSAMPLING_MODES),
    };
  },
  build: buildUNet,
  sizeMultiple: (c) => 2 ** c.depth,
  encoderLayers: (model) => model.layers.filter((l) => /^(size_check|(enc\d+|bottom)_)/.test(l.name)).map((l) => l.name),
  defaultCamLayer: () => 'bottom_relu2',
});
