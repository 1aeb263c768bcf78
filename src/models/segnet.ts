// SegNet (Badrinarayanan et al. 2017): conv + batch-norm + ReLU encoder blocks, 2×2 max-pooling that records the
// argmax, and a decoder that unpools with those same indices (each value back where its max came from, zeros
// elsewhere) before trainable convolutions densify it. No skip concatenation, no learned up-sampling.
// Two variants share the builder: SegNet-Basic (4 levels of one wide conv) and the VGG16-shaped SegNet (13 convs).
import * as tf from '@tensorflow/tfjs';
import { BatchNorm, BN_MOMENTUM } from './layers/batch-norm.ts';
import { MaxPoolWithIndices, MaxUnpooling2D } from './layers/pool-indices.ts';
import { baseFields, intField, registerArchitecture, type BaseModelConfig } from './registry.ts';

export interface SegNetBasicConfig extends BaseModelConfig {
  levels: number;
  /** Filters of every conv (the paper keeps 64 throughout). */
  filters: number;
  /** Odd kernel size (the paper uses 7). */
  kernelSize: number;
}

export interface SegNetConfig extends BaseModelConfig {
  /** Filters of the first VGG16 level; the levels use 1, 2, 4, 8, 8 times this. */
  baseFilters: number;
}

/** Filters of each conv of each encoder level, shallow to deep. */
type EncoderPlan = number[][];

function convBnRelu(x: tf.SymbolicTensor, filters: number, kernelSize: number, name: string, i: number): tf.SymbolicTensor {
  x = tf.layers
    .conv2d({ filters, kernelSize, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name: `${name}_conv${i}` })
    .apply(x) as tf.SymbolicTensor;
  x = new BatchNorm({ momentum: BN_MOMENTUM, name: `${name}_bn${i}` }).apply(x) as tf.SymbolicTensor;
  return tf.layers.reLU({ name: `${name}_relu${i}` }).apply(x) as tf.SymbolicTensor;
}

/**
 * Input [b, h, w, channels] with h and w multiples of 2^levels: every level halves the size, and the pooling
 * layers refuse odd sizes with a message naming that multiple (inference pads to it, then crops).
 * Output: softmax [b, h, w, numClasses].
 */
function buildSegNet(plan: EncoderPlan, kernelSize: number, config: BaseModelConfig, name: string): tf.LayersModel {
  const sizeMultiple = 2 ** plan.length;
  const input = tf.input({ shape: [null, null, config.inputChannels], name: 'image' });
  const indices: tf.SymbolicTensor[] = [];
  let x: tf.SymbolicTensor = input;
  plan.forEach((filters, level) => {
    filters.forEach((f, i) => (x = convBnRelu(x, f, kernelSize, `enc${level + 1}`, i + 1)));
    const pool = new MaxPoolWithIndices({ name: `enc${level + 1}_pool`, modelSizeMultiple: sizeMultiple });
    const [pooled, where] = pool.apply(x) as tf.SymbolicTensor[];
    x = pooled;
    indices.push(where);
  });
  // The decoder mirrors the encoder; each level's last conv narrows to the next shallower level's width.
  for (let level = plan.length - 1; level >= 0; level--) {
    const name = `dec${level + 1}`;
    x = new MaxUnpooling2D({ name: `${name}_unpool` }).apply([x, indices[level]]) as tf.SymbolicTensor;
    const own = plan[level];
    const width = own[own.length - 1];
    const narrowed = plan[Math.max(level - 1, 0)].at(-1)!;
    own.forEach((_, i) => (x = convBnRelu(x, i === own.length - 1 ? narrowed : width, kernelSize, name, i + 1)));
  }
  // Logits and softmax are separate layers so CAM can reach the pre-softmax scores.
  const logits = tf.layers.conv2d({ filters: config.numClasses, kernelSize: 1, name: 'logits' }).apply(x) as tf.SymbolicTensor;
  const probs = tf.layers.softmax({ axis: -1, name: 'probabilities' }).apply(logits) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: probs, name });
}

export function buildSegNetBasic(config: SegNetBasicConfig): tf.LayersModel {
  const plan = Array.from({ length: config.levels }, () => [config.filters]);
  return buildSegNet(plan, config.kernelSize, config, 'segnet_basic');
}

export function buildSegNetVgg16(config: SegNetConfig): tf.LayersModel {
  const b = config.baseFilters;
  const plan = [[b, b], [2 * b, 2 * b], [4 * b, 4 * b, 4 * b], [8 * b, 8 * b, 8 * b], [8 * b, 8 * b, 8 * b]];
  return buildSegNet(plan, 3, config, 'segnet');
}

const VGG16_LEVELS = 5;

const encoderLayerNames = (model: tf.LayersModel) => model.layers.filter((l) => /^enc\d+_/.test(l.name)).map((l) => l.name);

/** The deepest encoder block's output, before its pooling. */
const deepestEncoderRelu = (model: tf.LayersModel) => {
  const relus = model.layers.filter((l) => /^enc\d+_relu\d+$/.test(l.name));
  return relus[relus.length - 1].name;
};

registerArchitecture<SegNetBasicConfig>({
  name: 'segnet-basic',
  description: 'SegNet-Basic: 4 conv-BN-ReLU levels, decoder unpools with the encoder\'s max-pooling indices (Badrinarayanan et al. 2017)',
  defaults: { levels: 4, filters: 64, kernelSize: 7 },
  presets: {
    small: { filters: 16, kernelSize: 3 },
    standard: { levels: 4, filters: 64, kernelSize: 7 },
  },
  validate(c) {
    const kernelSize = intField(c, 'kernelSize', 1, 11);
    if (kernelSize % 2 === 0) throw new Error(`model config: "kernelSize" must be odd, got ${kernelSize}`);
    return { ...baseFields(c), levels: intField(c, 'levels', 1, 6), filters: intField(c, 'filters', 1, 512), kernelSize };
  },
  build: buildSegNetBasic,
  sizeMultiple: (c) => 2 ** c.levels,
  encoderLayers: encoderLayerNames,
  defaultCamLayer: deepestEncoderRelu,
});

registerArchitecture<SegNetConfig>({
  name: 'segnet',
  description: 'SegNet: VGG16-shaped encoder (13 convs) with a mirrored decoder that unpools with max-pooling indices',
  defaults: { baseFilters: 64 },
  presets: {
    small: { baseFilters: 8 },
    standard: { baseFilters: 64 },
  },
  validate(c) {
    return { ...baseFields(c), baseFilters: intField(c, 'baseFilters', 1, 128) };
  },
  build: buildSegNetVgg16,
  sizeMultiple: () => 2 ** VGG16_LEVELS,
  encoderLayers: encoderLayerNames,
  defaultCamLayer: deepestEncoderRelu,
});
