// DeepLab v3+ (Chen et al. 2018), trained from scratch (no pretrained weights can be downloaded here).
// Backbone: small ResNet-like or MobileNetV2-like; output stride 16 (or 8) by replacing the last down-samplings
// with atrous convolutions. ASPP: 1×1, three 3×3 atrous branches (6/12/18 at stride 16, doubled at 8) and
// image-level pooling, concatenated and projected. Decoder: ASPP output up-sampled to the stride-4 low-level
// features (reduced to 48 channels), fused by two 3×3 convs, then logits bilinearly up-sampled to the input size.
import * as tf from '@tensorflow/tfjs';
import { AtrousConv2D } from './layers/atrous-conv.ts';
import { BatchNorm, BN_MOMENTUM } from './layers/batch-norm.ts';
import { ResizeBilinearLike } from './layers/resize-like.ts';
import { boolField, choiceField, intField, registerArchitecture, type BaseModelConfig } from './registry.ts';

export const DEEPLAB_BACKBONES = ['resnet', 'mobilenetv2'] as const;
export type DeepLabBackbone = (typeof DEEPLAB_BACKBONES)[number];

export interface DeepLabConfig extends BaseModelConfig {
  backbone: DeepLabBackbone;
  /** Input size / ASPP feature size: 16 or 8. */
  outputStride: number;
  /** Width of backbone stage 1; stages 2–4 use 2, 4 and 8 times this. */
  baseFilters: number;
  blocksPerStage: number;
  /** MobileNetV2 inverted-residual expansion factor (unused by the ResNet backbone). */
  expansion: number;
  asppFilters: number;
  decoderFilters: number;
  /** Channels the low-level features are reduced to before fusion (48 in the paper). */
  lowLevelChannels: number;
  /** Depthwise-separable atrous convs in ASPP and the decoder. */
  separable: boolean;
}

/** ASPP atrous rates for an output stride: 6/12/18 at 16, doubled at 8. */
export function asppRates(outputStride: number): number[] {
  return [6, 12, 18].map((r) => (r * 16) / outputStride);
}

type T = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: T | T[]) => layer.apply(x) as T;

function bn(x: T, name: string): T {
  return apply(new BatchNorm({ momentum: BN_MOMENTUM, name }), x);
}

/** Full convolution: strided, atrous (custom layer, trainable), or plain. */
function conv(x: T, filters: number, kernelSize: number, name: string, opts: { stride?: number; rate?: number } = {}): T {
  const { stride = 1, rate = 1 } = opts;
  if (rate > 1) return apply(new AtrousConv2D({ name, filters, kernelSize, rate, depthwise: false, useBias: false }), x);
  return apply(
    tf.layers.conv2d({ filters, kernelSize, strides: stride, padding: 'same', useBias: false, kernelInitializer: 'heNormal', name }),
    x,
  );
}

/** Depthwise 3×3 convolution: strided, atrous, or plain. */
function depthwise(x: T, name: string, opts: { stride?: number; rate?: number } = {}): T {
  const { stride = 1, rate = 1 } = opts;
  if (rate > 1) return apply(new AtrousConv2D({ name, filters: 1, kernelSize: 3, rate, depthwise: true, useBias: false }), x);
  return apply(
    tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: 'heNormal', name }),
    x,
  );
}

const relu = (x: T, name: string) => apply(tf.layers.reLU({ name }), x);
const relu6 = (x: T, name: string) => apply(tf.layers.reLU({ maxValue: 6, name }), x);

/** conv → BN → ReLU, or depthwise → BN → ReLU → pointwise → BN → ReLU when separable. */
function convUnit(x: T, filters: number, kernelSize: number, name: string, rate: number, separable: boolean): T {
  if (separable && kernelSize > 1) {
    x = relu(bn(depthwise(x, `${name}_depthwise`, { rate }), `${name}_depthwise_bn`), `${name}_depthwise_relu`);
    return relu(bn(conv(x, filters, 1, `${name}_pointwise`), `${name}_pointwise_bn`), `${name}_pointwise_relu`);
  }
  return relu(bn(conv(x, filters, kernelSize, name, { rate }), `${name}_bn`), `${name}_relu`);
}

interface StagePlan {
  filters: number;
  stride: number;
  rate: number;
}

/** Strides and rates of the four backbone stages (stage 1 ends at stride 4: the low-level features). */
function stagePlan(config: DeepLabConfig): StagePlan[] {
  const b = config.baseFilters;
  const os8 = config.outputStride === 8;
  return [
    { filters: b, stride: 2, rate: 1 },
    { filters: 2 * b, stride: 2, rate: 1 },
    { filters: 4 * b, stride: os8 ? 1 : 2, rate: os8 ? 2 : 1 },
    { filters: 8 * b, stride: 1, rate: os8 ? 4 : 2 },
  ];
}

/** ResNet basic block: two 3×3 convs with BN, identity or 1×1-projection shortcut. */
function residualBlock(x: T, cin: number, plan: StagePlan, name: string, first: boolean): T {
  const stride = first ? plan.stride : 1;
  let y = relu(bn(conv(x, plan.filters, 3, `${name}_conv1`, { stride, rate: plan.rate }), `${name}_bn1`), `${name}_relu1`);
  y = bn(conv(y, plan.filters, 3, `${name}_conv2`, { rate: plan.rate }), `${name}_bn2`);
  const shortcut = stride !== 1 || cin !== plan.filters ? bn(conv(x, plan.filters, 1, `${name}_proj`, { stride }), `${name}_proj_bn`) : x;
  return relu(apply(tf.layers.add({ name: `${name}_add` }), [y, shortcut]), `${name}_out`);
}

/** MobileNetV2 inverted residual: 1×1 expand → 3×3 depthwise (strided or atrous) → linear 1×1 project. */
function invertedResidualBlock(x: T, cin: number, plan: StagePlan, name: string, first: boolean, expansion: number): T {
  const stride = first ? plan.stride : 1;
  let y = x;
  if (expansion > 1) y = relu6(bn(conv(y, cin * expansion, 1, `${name}_expand`), `${name}_expand_bn`), `${name}_expand_relu`);
  y = relu6(bn(depthwise(y, `${name}_depthwise`, { stride, rate: plan.rate }), `${name}_depthwise_bn`), `${name}_depthwise_relu`);
  y = bn(conv(y, plan.filters, 1, `${name}_project`), `${name}_project_bn`);
  return stride === 1 && cin === plan.filters ? apply(tf.layers.add({ name: `${name}_add` }), [y, x]) : y;
}

/** Backbone: returns the stride-4 low-level features and the deepest features (at the output stride). */
function backbone(input: T, config: DeepLabConfig): { lowLevel: T; deep: T } {
  const b = config.baseFilters;
  let x: T;
  if (config.backbone === 'resnet') {
    x = relu(bn(conv(input, b, 3, 'stem_conv1', { stride: 2 }), 'stem_bn1'), 'stem_relu1');
    x = relu(bn(conv(x, b, 3, 'stem_conv2'), 'stem_bn2'), 'stem_relu2');
  } else {
    x = relu6(bn(conv(input, b, 3, 'stem_conv1', { stride: 2 }), 'stem_bn1'), 'stem_relu1');
  }
  let cin = b;
  let lowLevel = x;
  stagePlan(config).forEach((plan, s) => {
    for (let j = 0; j < config.blocksPerStage; j++) {
      const name = `s${s + 1}_b${j + 1}`;
      x = config.backbone === 'resnet'
        ? residualBlock(x, cin, plan, name, j === 0)
        : invertedResidualBlock(x, cin, plan, name, j === 0, config.expansion);
      cin = plan.filters;
    }
    if (s === 0) lowLevel = x;
  });
  return { lowLevel, deep: x };
}

function aspp(x: T, config: DeepLabConfig): T {
  const f = config.asppFilters;
  const branches = [convUnit(x, f, 1, 'aspp_1x1', 1, false)];
  asppRates(config.outputStride).forEach((rate, i) => branches.push(convUnit(x, f, 3, `aspp_atrous${i + 1}`, rate, config.separable)));
  // Image-level pooling: global context at every position. No BN here: one value per image and channel
  // has no spatial statistics, and with batch 1 BN would zero it.
  const channels = x.shape[3]!;
  let pooled = apply(tf.layers.globalAveragePooling2d({ name: 'aspp_pool' }), x);
  pooled = apply(tf.layers.reshape({ targetShape: [1, 1, channels], name: 'aspp_pool_reshape' }), pooled);
  pooled = apply(tf.layers.conv2d({ filters: f, kernelSize: 1, activation: 'relu', kernelInitializer: 'heNormal', name: 'aspp_pool_conv' }), pooled);
  branches.push(apply(new ResizeBilinearLike({ name: 'aspp_pool_upsample' }), [pooled, x]));
  const merged = apply(tf.layers.concatenate({ axis: -1, name: 'aspp_concat' }), branches);
  return convUnit(merged, f, 1, 'aspp_project', 1, false);
}

/**
 * Input [b, h, w, channels] → softmax [b, h, w, numClasses]. Any h and w work (up-sampling resizes to the
 * reference tensors' sizes), but multiples of the output stride keep the feature grids aligned with the image,
 * so sizeMultiple asks for them.
 */
export function buildDeepLab(config: DeepLabConfig): tf.LayersModel {
  const input = tf.input({ shape: [null, null, config.inputChannels], name: 'image' });
  const { lowLevel, deep } = backbone(input, config);
  const context = aspp(deep, config);
  const up = apply(new ResizeBilinearLike({ name: 'decoder_upsample' }), [context, lowLevel]);
  const reduced = convUnit(lowLevel, config.lowLevelChannels, 1, 'decoder_lowlevel', 1, false);
  let x = apply(tf.layers.concatenate({ axis: -1, name: 'decoder_concat' }), [up, reduced]);
  x = convUnit(x, config.decoderFilters, 3, 'decoder_fuse1', 1, config.separable);
  x = convUnit(x, config.decoderFilters, 3, 'decoder_fuse2', 1, config.separable);
  // Logits and softmax are separate layers so CAM can reach the pre-softmax scores.
  const logits = apply(tf.layers.conv2d({ filters: config.numClasses, kernelSize: 1, name: 'logits' }), x);
  const full = apply(new ResizeBilinearLike({ name: 'logits_upsample' }), [logits, input]);
  const probs = apply(tf.layers.softmax({ axis: -1, name: 'probabilities' }), full);
  return tf.model({ inputs: input, outputs: probs, name: 'deeplab' });
}

registerArchitecture<DeepLabConfig>({
  name: 'deeplab',
  description: 'DeepLab v3+: dilated ResNet/MobileNetV2-like backbone, ASPP (atrous rates 6/12/18 + image pooling), low-level decoder',
  defaults: {
    backbone: 'resnet',
    outputStride: 16,
    baseFilters: 32,
    blocksPerStage: 2,
    expansion: 6,
    asppFilters: 256,
    decoderFilters: 256,
    lowLevelChannels: 48,
    separable: false,
  },
  presets: {
    small: { baseFilters: 8, blocksPerStage: 1, expansion: 4, asppFilters: 32, decoderFilters: 32, lowLevelChannels: 16 },
    standard: { baseFilters: 32, blocksPerStage: 2, expansion: 6, asppFilters: 256, decoderFilters: 256, lowLevelChannels: 48 },
  },
  validate(c) {
    const outputStride = intField(c, 'outputStride', 8, 16);
    if (outputStride !== 8 && outputStride !== 16) throw new Error(`model config: "outputStride" must be 8 or 16, got ${outputStride}`);
    return {
      inputChannels: intField(c, 'inputChannels', 1, 64),
      numClasses: intField(c, 'numClasses', 2, 255),
      backbone: choiceField(c, 'backbone', DEEPLAB_BACKBONES),
      outputStride,
      baseFilters: intField(c, 'baseFilters', 1, 256),
      blocksPerStage: intField(c, 'blocksPerStage', 1, 8),
      expansion: intField(c, 'expansion', 1, 8),
      asppFilters: intField(c, 'asppFilters', 1, 1024),
      decoderFilters: intField(c, 'decoderFilters', 1, 1024),
      lowLevelChannels: intField(c, 'lowLevelChannels', 1, 256),
      separable: boolField(c, 'separable'),
    };
  },
  build: buildDeepLab,
  sizeMultiple: (c) => c.outputStride,
  // The DeepLab encoder is the backbone plus ASPP; the decoder starts at the low-level fusion.
  encoderLayers: (model) => model.layers.filter((l) => /^(stem|s\d+|aspp)_/.test(l.name)).map((l) => l.name),
  defaultCamLayer: (model) => model.layers.filter((l) => /^s4_/.test(l.name)).at(-1)!.name,
});
