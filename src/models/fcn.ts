// FCN (Long, Shelhamer & Darrell 2015): a VGG16-shaped encoder (five levels of 3×3 convs, 2×2 max-pooling), its
// classifier made convolutional (fc6, fc7), 1×1 score layers, and learnt transposed-convolution up-sampling
// initialised to bilinear interpolation. FCN-32s up-samples the final scores 32× at once; FCN-16s first adds the
// scores of pool4 (at stride 16), FCN-8s also those of pool3 (stride 8), each sum up-sampled 2× to the next.
// From scratch (no ImageNet VGG can be downloaded here) the encoder's convs are batch-normed by default. 'same'
// padding and input sizes that are multiples of 32 make every stride's grid exactly half the one above, so the
// skips add without the paper's 100-pixel pad and crops; a transposed conv of kernel 2s, stride s and 'same'
// padding puts each coarse score at the centre of its s×s block, as the paper's bilinear deconvolution does.
import * as tf from '@tensorflow/tfjs';
import { BatchNorm, BN_MOMENTUM } from './layers/batch-norm.ts';
import { SizeCheck } from './layers/size-check.ts';
import { baseFields, boolField, intField, numberField, registerArchitecture, type BaseModelConfig } from './registry.ts';

export interface FcnConfig extends BaseModelConfig {
  /** Filters of the first VGG16 level; the levels use 1, 2, 4, 8, 8 times this (VGG16: 64). */
  baseFilters: number;
  /** Width of fc6 and fc7, the classifier made convolutional (VGG16: 4096). */
  fcFilters: number;
  /** Dropout after fc6 and after fc7 (the paper: 0.5). */
  dropout: number;
  batchNorm: boolean;
}

/** Output stride of each FCN variant: the coarsest score map it up-samples to the input size in one step. */
type FcnStride = 32 | 16 | 8;

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: T | T[]) => layer.apply(x) as T;

/** VGG16's convs per level. */
const VGG16_CONVS = [2, 2, 3, 3, 3];
export const FCN_SIZE_MULTIPLE = 2 ** VGG16_CONVS.length;

function convUnit(x: T, filters: number, kernelSize: number, name: string, i: number, batchNorm: boolean): T {
  x = apply(tf.layers.conv2d({ filters, kernelSize, padding: 'same', useBias: !batchNorm, kernelInitializer: 'heNormal', name: `${name}_conv${i}` }), x);
  if (batchNorm) x = apply(new BatchNorm({ momentum: BN_MOMENTUM, name: `${name}_bn${i}` }), x);
  return apply(tf.layers.reLU({ name: `${name}_relu${i}` }), x);
}

/** 1×1 class scores of a feature map. Skip scores start at zero (as in the paper), so a fresh FCN-16s/8s starts as the coarser net. */
function score(x: T, numClasses: number, name: string, zero: boolean): T {
  return apply(tf.layers.conv2d({ filters: numClasses, kernelSize: 1, kernelInitializer: zero ? 'zeros' : 'glorotUniform', name }), x);
}

/** Scores up-sampled by `factor` with a learnt transposed conv (kernel 2·factor), set to bilinear after the build. */
function upscore(x: T, numClasses: number, factor: number, name: string): T {
  return apply(tf.layers.conv2dTranspose({ filters: numClasses, kernelSize: 2 * factor, strides: factor, padding: 'same', useBias: false, name }), x);
}

/**
 * The bilinear interpolation kernel of a transposed conv that up-samples by `factor` (kernel 2·factor), each
 * class from itself only: tfjs's [kh, kw, out, in] layout, diagonal in the class axes (Caffe's FCN filler).
 */
export function bilinearKernel(factor: number, classes: number): tf.Tensor4D {
  const size = 2 * factor;
  const centre = factor - 0.5;
  const weights = Array.from({ length: size }, (_, i) => 1 - Math.abs(i - centre) / factor);
  const values = new Float32Array(size * size * classes * classes);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < classes; c++) values[((y * size + x) * classes + c) * classes + c] = weights[y]! * weights[x]!;
    }
  }
  return tf.tensor4d(values, [size, size, classes, classes]);
}

/** Input [b, h, w, channels], h and w multiples of 32 (refused clearly otherwise) → softmax [b, h, w, numClasses]. */
export function buildFcn(config: FcnConfig, stride: FcnStride): tf.LayersModel {
  const input = tf.input({ shape: [null, null, config.inputChannels], name: 'image' });
  let x = apply(new SizeCheck({ multiple: FCN_SIZE_MULTIPLE, name: 'size_check' }), input);
  const pooled: T[] = [];
  VGG16_CONVS.forEach((convs, level) => {
    const filters = config.baseFilters * 2 ** Math.min(level, 3);
    for (let i = 1; i <= convs; i++) x = convUnit(x, filters, 3, `enc${level + 1}`, i, config.batchNorm);
    x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `enc${level + 1}_pool` }), x);
    pooled.push(x);
  });
  // fc6 and fc7 as convolutions: the paper's fc6 is 7×7, which at stride 32 mostly reads padding on the patch
  // sizes Segwork trains on; 3×3 keeps its context over neighbouring cells at a ninth of the weights.
  x = convUnit(x, config.fcFilters, 3, 'bottom', 1, false);
  if (config.dropout > 0) x = apply(tf.layers.dropout({ rate: config.dropout, name: 'bottom_dropout1' }), x);
  x = convUnit(x, config.fcFilters, 1, 'bottom', 2, false);
  if (config.dropout > 0) x = apply(tf.layers.dropout({ rate: config.dropout, name: 'bottom_dropout2' }), x);
  const classes = config.numClasses;
  let scores = score(x, classes, 'score_fr', false);
  if (stride <= 16) {
    const pool4 = score(pooled[3]!, classes, 'score_pool4', true);
    scores = apply(tf.layers.add({ name: 'fuse_pool4' }), [upscore(scores, classes, 2, 'upscore2'), pool4]);
  }
  if (stride <= 8) {
    const pool3 = score(pooled[2]!, classes, 'score_pool3', true);
    scores = apply(tf.layers.add({ name: 'fuse_pool3' }), [upscore(scores, classes, 2, 'upscore_pool4'), pool3]);
  }
  const logits = upscore(scores, classes, stride, `upscore${stride}`);
  const probs = apply(tf.layers.softmax({ axis: -1, name: 'probabilities' }), logits);
  const model = tf.model({ inputs: input, outputs: probs, name: `fcn_${stride}s` });
  for (const layer of model.layers.filter((l) => l.getClassName() === 'Conv2DTranspose')) {
    const factor = (layer.getConfig().strides as number[])[0]!;
    const kernel = bilinearKernel(factor, classes);
    layer.setWeights([kernel]);
    kernel.dispose();
  }
  return model;
}

const STRIDES: FcnStride[] = [32, 16, 8];
const SKIPS: Record<FcnStride, string> = { 32: 'no skips', 16: 'pool4 scores added at stride 16', 8: 'pool4 and pool3 scores added at strides 16 and 8' };

for (const stride of STRIDES) {
  registerArchitecture<FcnConfig>({
    name: `fcn-${stride}s`,
    description: `FCN-${stride}s: VGG16-shaped encoder, 1×1 scores, learnt bilinear-initialised up-sampling, ${SKIPS[stride]} (Long et al. 2015)`,
    defaults: { baseFilters: 32, fcFilters: 1024, dropout: 0.5, batchNorm: true },
    // Smallest first: the workbench starts at the first.
    presets: {
      small: { baseFilters: 8, fcFilters: 128, dropout: 0 },
      standard: { baseFilters: 32, fcFilters: 1024, dropout: 0.5 },
    },
    validate(c) {
      return {
        ...baseFields(c),
        baseFilters: intField(c, 'baseFilters', 1, 128),
        fcFilters: intField(c, 'fcFilters', 1, 4096),
        dropout: numberField(c, 'dropout', 0, 0.9),
        batchNorm: boolField(c, 'batchNorm'),
      };
    },
    build: (config) => buildFcn(config, stride),
    sizeMultiple: () => FCN_SIZE_MULTIPLE,
    // The encoder is VGG16 and the convolutional classifier (fc6, fc7), up to the class scores.
    encoderLayers: (model) => model.layers.filter((l) => /^(size_check|(enc\d+|bottom)_)/.test(l.name)).map((l) => l.name),
    defaultCamLayer: () => 'bottom_relu2',
  });
}
