// Training-mode forward passes and reverse-mode gradients of each tfjs layer class, as ONNX ops on static NCHW
// shapes. The forward math is the inference converter's (layer-converters.ts) except where training differs:
// batch norm (batch statistics, moving averages out), dropout (active), max-pooling (its indices kept for the
// gradient). Each gradient rule gets the gradients of the layer's outputs and returns those of its inputs and of
// its weights. Rules follow the closed forms tfjs's own gradients use, so a step here equals a step there.
import type * as tf from '@tensorflow/tfjs';
import type { OnnxGraphBuilder } from '../graph-builder.ts';
import { CONVERTERS, pair, transposedConvGeometry, type ConvertContext, type Converter, type OnnxValue } from '../layer-converters.ts';

/** NCHW (or NC) dimensions of every tensor the forward pass made, by name. */
export type Dims = Map<string, number[]>;

export interface TrainingGraphBuilder extends OnnxGraphBuilder {
  /** The graph input holding a layer's weight (trainable or a batch-norm moving statistic). */
  parameterName(layer: string, suffix: string): string;
  /** Declares a new value of a non-trainable weight (batch-norm moving statistics), output by the step. */
  updateState(layer: string, suffix: string, value: string): void;
  scalar(value: number): string;
  /** A boolean true constant (Dropout's training_mode). */
  booleanTrue(): string;
  /** Seeds the dropout masks, so a run is repeatable (each step still draws new masks). */
  readonly seed?: number;
}

/** What the backward rule needs from the forward pass of one layer. */
export interface ForwardRecord {
  layer: tf.layers.Layer;
  config: Record<string, unknown>;
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  /** Tensors kept for the gradient (indices, normalised inputs, …), by role. */
  saved: Record<string, string>;
}

export interface BackwardContext {
  graph: TrainingGraphBuilder;
  record: ForwardRecord;
  dims: Dims;
  /** Gradient of each output (null where nothing downstream depends on it). */
  dOutputs: Array<string | null>;
}

export interface BackwardResult {
  /** Gradient of each input, null where it has none (indices, a resize's reference). */
  dInputs: Array<string | null>;
  /** Gradient of each trainable weight, by tfjs suffix. */
  dWeights: Record<string, string>;
}

type TrainingForward = (ctx: ConvertContext & { graph: TrainingGraphBuilder }, saved: Record<string, string>) => OnnxValue[];
type Backward = (ctx: BackwardContext) => BackwardResult;

const AXES_NHW = [0, 2, 3];

function one(graph: OnnxGraphBuilder, op: string, inputs: string[], base: string, attributes: Parameters<OnnxGraphBuilder['node']>[3] = {}): string {
  return graph.node(op, inputs, base, attributes)[0]!;
}

/** ReduceSum over `axes` (opset 13 takes them as an input). */
function reduceSum(graph: OnnxGraphBuilder, x: string, axes: number[], base: string, keepdims = 0): string {
  return one(graph, 'ReduceSum', [x, graph.int64s(`${base}_axes`, axes)], base, { keepdims });
}

function reshape(graph: OnnxGraphBuilder, x: string, shape: number[], base: string): string {
  return one(graph, 'Reshape', [x, graph.int64s(`${base}_shape`, shape)], base);
}

/** A per-channel vector [C] as [1, C, 1, 1], to broadcast over NCHW. */
function perChannel(graph: OnnxGraphBuilder, v: string, channels: number, base: string): string {
  return reshape(graph, v, [1, channels, 1, 1], base);
}

/** dy where the mask holds, 0 elsewhere. */
function masked(graph: OnnxGraphBuilder, dy: string, mask: string, base: string): string {
  return one(graph, 'Mul', [dy, one(graph, 'Cast', [mask], `${base}_mask`, { to: 1 })], base);
}

// ---- training-mode forward passes that differ from inference ----

const TRAINING_FORWARD: Record<string, TrainingForward> = {
  BatchNormalization: ({ graph, layer, config, inputs }, saved) => {
    const x = inputs[0]!.name;
    const n = layer.name;
    const epsilon = typeof config.epsilon === 'number' ? config.epsilon : 1e-3;
    const momentum = typeof config.momentum === 'number' ? config.momentum : 0.99;
    const channels = (layer.weights.find((w) => w.originalName.endsWith('/moving_mean'))!.shape[0]) as number;
    const mean = one(graph, 'ReduceMean', [x], `${n}_batch_mean`, { axes: AXES_NHW, keepdims: 1 });
    const centred = one(graph, 'Sub', [x, mean], `${n}_centred`);
    const variance = one(graph, 'ReduceMean', [one(graph, 'Mul', [centred, centred], `${n}_sq`)], `${n}_batch_var`, { axes: AXES_NHW, keepdims: 1 });
    const invStd = one(graph, 'Reciprocal', [one(graph, 'Sqrt', [one(graph, 'Add', [variance, graph.scalar(epsilon)], `${n}_var_eps`)], `${n}_std`)], `${n}_inv_std`);
    const xhat = one(graph, 'Mul', [centred, invStd], `${n}_xhat`);
    const gamma = perChannel(graph, graph.parameterName(n, 'gamma'), channels, `${n}_gamma4`);
    const y = one(graph, 'Add', [one(graph, 'Mul', [xhat, gamma], `${n}_scaled`), perChannel(graph, graph.parameterName(n, 'beta'), channels, `${n}_beta4`)], n);
    // Moving averages as tfjs updates them: m ← m − (m − batch)·(1 − momentum), with the biased batch variance.
    for (const [suffix, batch] of [['moving_mean', mean], ['moving_variance', variance]] as const) {
      const current = graph.parameterName(n, suffix);
      const flat = reshape(graph, batch, [channels], `${n}_${suffix}_batch`);
      const step = one(graph, 'Mul', [one(graph, 'Sub', [current, flat], `${n}_${suffix}_diff`), graph.scalar(1 - momentum)], `${n}_${suffix}_step`);
      graph.updateState(n, suffix, one(graph, 'Sub', [current, step], `${n}_${suffix}_new`));
    }
    Object.assign(saved, { xhat, invStd, gamma });
    return [{ name: y, rank: 4 }];
  },

  Dropout: ({ graph, layer, config, inputs }, saved) => {
    const rate = Number(config.rate ?? 0);
    if (rate <= 0) return [inputs[0]!];
    const seed: Record<string, number> = graph.seed !== undefined ? { seed: graph.seed } : {};
    const [y, mask] = graph.node('Dropout', [inputs[0]!.name, graph.scalar(rate), graph.booleanTrue()], [layer.name, `${layer.name}_mask`], seed);
    saved.mask = mask!;
    return [{ name: y!, rank: 4 }];
  },

  MaxPooling2D: ({ graph, layer, config, inputs }, saved) => {
    const kernel = pair(config.poolSize, 2);
    const strides = pair(config.strides ?? config.poolSize, 2);
    if (config.padding !== 'valid' || kernel.join() !== '2,2' || strides.join() !== '2,2') {
      throw new Error(`ONNX training: layer ${layer.name} pools ${kernel} with strides ${strides} and ${String(config.padding)} padding; only 2×2 / 2 'valid' is supported`);
    }
    const [y, indices] = graph.node('MaxPool', [inputs[0]!.name], [layer.name, `${layer.name}_indices`], { kernel_shape: kernel, strides });
    saved.indices = indices!;
    return [{ name: y!, rank: 4 }];
  },
};

export function trainingForward(layer: tf.layers.Layer): TrainingForward | Converter {
  const className = layer.getClassName();
  const forward = TRAINING_FORWARD[className] ?? CONVERTERS[className];
  if (!forward || !BACKWARD[className]) {
    throw new Error(`ONNX training: layer ${layer.name} is a ${className}, which has no gradient rule (known: ${Object.keys(BACKWARD).join(', ')})`);
  }
  return forward;
}

// ---- gradients ----

const passThrough: Backward = ({ dOutputs }) => ({ dInputs: [dOutputs[0] ?? null], dWeights: {} });

/** Explicit pads of a 'same' convolution on static sizes, as tfjs pads (the extra pixel at the end). */
function samePads(size: number, out: number, stride: number, effectiveKernel: number): [number, number] {
  const total = Math.max((out - 1) * stride + effectiveKernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

interface ConvGeometry {
  kernelSuffix: string;
  depthwise: boolean;
  strides: [number, number];
  dilations: [number, number];
  padding: unknown;
  activation: unknown;
}

function convGeometry(record: ForwardRecord): ConvGeometry {
  const c = record.config;
  switch (record.layer.getClassName()) {
    case 'AtrousConv2D':
      return { kernelSuffix: 'kernel', depthwise: c.depthwise === true, strides: [1, 1], dilations: pair(c.rate, 1), padding: 'same', activation: null };
    case 'DepthwiseConv2D':
      return { kernelSuffix: 'depthwise_kernel', depthwise: true, strides: pair(c.strides, 1), dilations: pair(c.dilationRate, 1), padding: c.padding, activation: c.activation };
    default:
      return { kernelSuffix: 'kernel', depthwise: false, strides: pair(c.strides, 1), dilations: pair(c.dilationRate, 1), padding: c.padding, activation: c.activation };
  }
}

/**
 * A convolution's gradients. Input: the transposed convolution of the output gradient with the same weights. Filter: one
 * slice of the padded input per kernel tap, each a batched GEMM with the output gradient (K = H·W), summed over
 * the batch; depthwise taps are elementwise products summed over batch and space.
 */
const convBackward: Backward = ({ graph, record, dims, dOutputs }) => {
  const dy = dOutputs[0];
  if (!dy) return { dInputs: [null], dWeights: {} };
  const n = record.layer.name;
  const geometry = convGeometry(record);
  const x = record.inputs[0]!.name;
  const y = record.outputs[0]!.name;
  const [N, cin, H, W] = dims.get(x)!;
  const [, cout, Ho, Wo] = dims.get(y)!;
  const kernel = graph.parameterName(n, geometry.kernelSuffix);
  const [, , kh, kw] = dims.get(kernel)!;
  let dz = dy;
  if (geometry.activation === 'relu') dz = masked(graph, dy, one(graph, 'Greater', [y, graph.scalar(0)], `${n}_relu_on`), `${n}_dz`);
  else if (geometry.activation != null && geometry.activation !== 'linear') throw new Error(`ONNX training: layer ${n} has activation ${String(geometry.activation)}`);
  const [sh, sw] = geometry.strides;
  const [dh, dw] = geometry.dilations;
  const [effH, effW] = [(kh! - 1) * dh + 1, (kw! - 1) * dw + 1];
  const [pt, pb] = geometry.padding === 'valid' ? [0, 0] : samePads(H!, Ho!, sh, effH);
  const [pl, pr] = geometry.padding === 'valid' ? [0, 0] : samePads(W!, Wo!, sw, effW);
  const group = geometry.depthwise ? cin! : 1;
  const dWeights: Record<string, string> = {};

  let dx: string;
  if (sh === 1 && sw === 1) {
    // Stride 1: the input gradient is itself a convolution of dz with the kernel flipped in space and its channel
    // axes swapped, which ONNX Runtime runs on its fast convolution path (ConvTranspose's is slower).
    const last = Number.MIN_SAFE_INTEGER;
    const flipped = one(graph, 'Slice', [kernel, graph.int64s(`${n}_flip_start`, [-1, -1]), graph.int64s(`${n}_flip_end`, [last, last]), graph.int64s(`${n}_flip_axes`, [2, 3]), graph.int64s(`${n}_flip_steps`, [-1, -1])], `${n}_kernel_flipped`);
    const swapped = geometry.depthwise ? flipped : one(graph, 'Transpose', [flipped], `${n}_kernel_t`, { perm: [1, 0, 2, 3] });
    dx = one(graph, 'Conv', [dz, swapped], `${n}_dx`, {
      kernel_shape: [kh!, kw!], dilations: [dh, dw], group, pads: [effH - 1 - pt, effW - 1 - pl, effH - 1 - pb, effW - 1 - pr],
    });
  } else {
    const outputPadding = [H! - ((Ho! - 1) * sh + effH - pt - pb), W! - ((Wo! - 1) * sw + effW - pl - pr)];
    dx = one(graph, 'ConvTranspose', [dz, kernel], `${n}_dx`, {
      kernel_shape: [kh!, kw!], strides: [sh, sw], dilations: [dh, dw], group, pads: [pt, pl, pb, pr], output_padding: outputPadding,
    });
  }

  if (record.layer.weights.some((w) => w.originalName.endsWith('/bias'))) dWeights.bias = reduceSum(graph, dz, AXES_NHW, `${n}_dbias`);

  const padded = pt + pb + pl + pr > 0 ? one(graph, 'Pad', [x, graph.int64s(`${n}_pads`, [0, 0, pt, pl, 0, 0, pb, pr])], `${n}_xpad`) : x;
  const P = Ho! * Wo!;
  const dzT = geometry.depthwise ? dz : one(graph, 'Transpose', [reshape(graph, dz, [N!, cout!, P], `${n}_dz3`)], `${n}_dzT`, { perm: [0, 2, 1] });
  const taps: string[] = [];
  for (let i = 0; i < kh!; i++) {
    for (let j = 0; j < kw!; j++) {
      const whole = padded === x && sh === 1 && sw === 1 && kh === 1 && kw === 1;
      const slice = whole ? x : one(graph, 'Slice', [
        padded,
        graph.int64s(`${n}_t${i}_${j}_start`, [i * dh, j * dw]),
        graph.int64s(`${n}_t${i}_${j}_end`, [i * dh + (Ho! - 1) * sh + 1, j * dw + (Wo! - 1) * sw + 1]),
        graph.int64s(`${n}_t${i}_${j}_axes`, [2, 3]),
        graph.int64s(`${n}_t${i}_${j}_steps`, [sh, sw]),
      ], `${n}_t${i}_${j}_x`);
      if (geometry.depthwise) {
        taps.push(reduceSum(graph, one(graph, 'Mul', [slice, dz], `${n}_t${i}_${j}_prod`), AXES_NHW, `${n}_t${i}_${j}_dw`, 0));
      } else {
        const product = one(graph, 'MatMul', [reshape(graph, slice, [N!, cin!, P], `${n}_t${i}_${j}_x3`), dzT], `${n}_t${i}_${j}_mm`);
        taps.push(reduceSum(graph, product, [0], `${n}_t${i}_${j}_dw`, 1));
      }
    }
  }
  if (geometry.depthwise) {
    // Each tap [C] → [C, 1]; side by side [C, kh·kw] → [C, 1, kh, kw].
    const columns = taps.map((t, k) => one(graph, 'Unsqueeze', [t, graph.int64s(`${n}_col${k}_axes`, [1])], `${n}_col${k}`));
    const stacked = columns.length > 1 ? one(graph, 'Concat', columns, `${n}_dw_cols`, { axis: 1 }) : columns[0]!;
    dWeights[geometry.kernelSuffix] = reshape(graph, stacked, [cin!, 1, kh!, kw!], `${n}_dkernel`);
  } else {
    // Each tap [1, Cin, Cout]; stacked [kh·kw, Cin, Cout] → [kh, kw, Cin, Cout] → [Cout, Cin, kh, kw].
    const stacked = taps.length > 1 ? one(graph, 'Concat', taps, `${n}_dw_taps`, { axis: 0 }) : taps[0]!;
    const hwio = reshape(graph, stacked, [kh!, kw!, cin!, cout!], `${n}_dw_hwio`);
    dWeights[geometry.kernelSuffix] = one(graph, 'Transpose', [hwio], `${n}_dkernel`, { perm: [3, 2, 0, 1] });
  }
  return { dInputs: [dx], dWeights };
};

/**
 * A transposed convolution's gradients (FCN's up-sampling), y[co, o] += x[ci, i] · W[ci, co, o − i·s + pad]. Input:
 * the forward convolution of the output gradient with the same weights and pads. Kernel: one convolution too, of
 * the padded output gradient (batch and channel axes swapped) with the input as a kernel dilated by the stride, so a
 * 64×64 kernel is one node rather than 4,096 taps.
 */
const transposedConvBackward: Backward = ({ graph, record, dims, dOutputs }) => {
  const dy = dOutputs[0];
  if (!dy) return { dInputs: [null], dWeights: {} };
  const n = record.layer.name;
  const x = record.inputs[0]!.name;
  const y = record.outputs[0]!.name;
  const [, , H, W] = dims.get(x)!;
  const kernel = graph.parameterName(n, 'kernel');
  const [, , kh, kw] = dims.get(kernel)!;
  const { strides, pads, outputPadding } = transposedConvGeometry(record.layer, record.config, [kh!, kw!]);
  if (outputPadding.some((p) => p !== 0)) throw new Error(`ONNX training: transposed conv ${n} has a kernel smaller than its stride`);
  let dz = dy;
  const act = record.config.activation;
  if (act === 'relu') dz = masked(graph, dy, one(graph, 'Greater', [y, graph.scalar(0)], `${n}_relu_on`), `${n}_dz`);
  else if (act != null && act !== 'linear') throw new Error(`ONNX training: layer ${n} has activation ${String(act)}`);
  const dx = one(graph, 'Conv', [dz, kernel], `${n}_dx`, { kernel_shape: [kh!, kw!], strides, pads });
  const [pt, pl, pb, pr] = pads as [number, number, number, number];
  const padded = pt + pb + pl + pr > 0 ? one(graph, 'Pad', [dz, graph.int64s(`${n}_pads`, [0, 0, pt, pl, 0, 0, pb, pr])], `${n}_dzpad`) : dz;
  const swap = { perm: [1, 0, 2, 3] };
  const [dzT, xT] = [one(graph, 'Transpose', [padded], `${n}_dzpad_t`, swap), one(graph, 'Transpose', [x], `${n}_x_t`, swap)];
  // [cout, cin, kh, kw] → ONNX ConvTranspose's [cin, cout, kh, kw].
  const perOut = one(graph, 'Conv', [dzT, xT], `${n}_dkernel_oi`, { kernel_shape: [H!, W!], dilations: strides });
  const dWeights: Record<string, string> = { kernel: one(graph, 'Transpose', [perOut], `${n}_dkernel`, swap) };
  if (record.layer.weights.some((w) => w.originalName.endsWith('/bias'))) dWeights.bias = reduceSum(graph, dz, AXES_NHW, `${n}_dbias`);
  return { dInputs: [dx], dWeights };
};

/** Batch norm's closed form: dx = γ·σ⁻¹·(dy − mean(dy) − x̂·mean(dy·x̂)). */
const batchNormBackward: Backward = ({ graph, record, dims, dOutputs }): BackwardResult => {
  const dy = dOutputs[0];
  if (!dy) return { dInputs: [null], dWeights: {} };
  const n = record.layer.name;
  const { xhat, invStd, gamma } = record.saved as { xhat: string; invStd: string; gamma: string };
  const [N, C, H, W] = dims.get(record.inputs[0]!.name)!;
  const count = N! * H! * W!;
  const dBeta = reduceSum(graph, dy, AXES_NHW, `${n}_dbeta`);
  const dGamma = reduceSum(graph, one(graph, 'Mul', [dy, xhat], `${n}_dy_xhat`), AXES_NHW, `${n}_dgamma`);
  const meanDy = one(graph, 'Div', [perChannel(graph, dBeta, C!, `${n}_dbeta4`), graph.scalar(count)], `${n}_mean_dy`);
  const meanDyXhat = one(graph, 'Div', [perChannel(graph, dGamma, C!, `${n}_dgamma4`), graph.scalar(count)], `${n}_mean_dy_xhat`);
  const centred = one(graph, 'Sub', [one(graph, 'Sub', [dy, meanDy], `${n}_dy_c`), one(graph, 'Mul', [xhat, meanDyXhat], `${n}_xhat_m`)], `${n}_dy_cc`);
  const dx = one(graph, 'Mul', [centred, one(graph, 'Mul', [gamma, invStd], `${n}_g_inv`)], `${n}_dx`);
  return { dInputs: [dx], dWeights: { gamma: dGamma, beta: dBeta } };
};

/** The linear map of a 1-D resize as a [out, in] matrix: nearest (floor) or linear, asymmetric or corner-aligned. */
export function resizeMatrix(inSize: number, outSize: number, mode: 'nearest' | 'linear', alignCorners: boolean): Float32Array {
  const m = new Float32Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const source = alignCorners ? (outSize > 1 ? (o * (inSize - 1)) / (outSize - 1) : 0) : (o * inSize) / outSize;
    if (mode === 'nearest') {
      m[o * inSize + Math.min(Math.floor(source), inSize - 1)] = 1;
      continue;
    }
    const i0 = Math.min(Math.floor(source), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const f = source - i0;
    m[o * inSize + i0] += 1 - f;
    m[o * inSize + i1] += f;
  }
  return m;
}

/** A resize is separable and linear: dx = Rhᵀ · dy · Rw, with both matrices constants of the static sizes. */
function resizeBackward(mode: (config: Record<string, unknown>) => 'nearest' | 'linear', alignCorners: boolean): Backward {
  return ({ graph, record, dims, dOutputs }) => {
    const dy = dOutputs[0];
    const dInputs: Array<string | null> = record.inputs.map(() => null);
    if (!dy) return { dInputs, dWeights: {} };
    const n = record.layer.name;
    const [, , Hi, Wi] = dims.get(record.inputs[0]!.name)!;
    const [, , Ho, Wo] = dims.get(record.outputs[0]!.name)!;
    const m = mode(record.config);
    const rh = resizeMatrix(Hi!, Ho!, m, alignCorners);
    const rhT = new Float32Array(rh.length);
    for (let o = 0; o < Ho!; o++) for (let i = 0; i < Hi!; i++) rhT[i * Ho! + o] = rh[o * Hi! + i]!;
    const alongW = one(graph, 'MatMul', [dy, graph.floats(`${n}_rw`, [Wo!, Wi!], resizeMatrix(Wi!, Wo!, m, alignCorners))], `${n}_dy_w`);
    dInputs[0] = one(graph, 'MatMul', [graph.floats(`${n}_rhT`, [Hi!, Ho!], rhT), alongW], `${n}_dx`);
    return { dInputs, dWeights: {} };
  };
}

const BACKWARD: Record<string, Backward> = {
  InputLayer: passThrough,
  SegworkSizeCheck: passThrough,
  Conv2D: convBackward,
  DepthwiseConv2D: convBackward,
  AtrousConv2D: convBackward,
  Conv2DTranspose: transposedConvBackward,
  BatchNormalization: batchNormBackward,

  Dropout: ({ graph, record, dOutputs }) => {
    const dy = dOutputs[0];
    const rate = Number(record.config.rate ?? 0);
    if (!dy || rate <= 0) return { dInputs: [dy ?? null], dWeights: {} };
    const n = record.layer.name;
    const kept = masked(graph, dy, record.saved.mask!, `${n}_dy_kept`);
    return { dInputs: [one(graph, 'Mul', [kept, graph.scalar(1 / (1 - rate))], `${n}_dx`)], dWeights: {} };
  },

  ReLU: ({ graph, record, dOutputs }) => {
    const dy = dOutputs[0];
    if (!dy) return { dInputs: [null], dWeights: {} };
    const n = record.layer.name;
    const max = record.config.maxValue;
    const x = record.inputs[0]!.name;
    const positive = one(graph, 'Greater', [x, graph.scalar(0)], `${n}_pos`);
    // tfjs's relu6 gradient passes 0 < x ≤ 6.
    const on = max == null ? positive : one(graph, 'And', [positive, one(graph, 'LessOrEqual', [x, graph.scalar(Number(max))], `${n}_below`)], `${n}_on`);
    return { dInputs: [masked(graph, dy, on, `${n}_dx`)], dWeights: {} };
  },

  MaxPooling2D: ({ graph, record, dims, dOutputs }) => {
    const dy = dOutputs[0];
    if (!dy) return { dInputs: [null], dWeights: {} };
    const n = record.layer.name;
    const shape = graph.int64s(`${n}_in_shape`, dims.get(record.inputs[0]!.name)!);
    return { dInputs: [one(graph, 'MaxUnpool', [dy, record.saved.indices!, shape], `${n}_dx`, { kernel_shape: [2, 2], strides: [2, 2] })], dWeights: {} };
  },

  MaxPoolWithIndices: ({ graph, record, dims, dOutputs }) => {
    const dy = dOutputs[0];
    if (!dy) return { dInputs: [null], dWeights: {} };
    const n = record.layer.name;
    const shape = graph.int64s(`${n}_in_shape`, dims.get(record.inputs[0]!.name)!);
    return { dInputs: [one(graph, 'MaxUnpool', [dy, record.outputs[1]!.name, shape], `${n}_dx`, { kernel_shape: [2, 2], strides: [2, 2] })], dWeights: {} };
  },

  // Unpooling put each value at its recorded position: its gradient gathers dy from there.
  MaxUnpooling2D: ({ graph, record, dims, dOutputs }) => {
    const dy = dOutputs[0];
    if (!dy) return { dInputs: [null, null], dWeights: {} };
    const n = record.layer.name;
    const [values, indices] = record.inputs as [OnnxValue, OnnxValue];
    const flatDy = reshape(graph, dy, [-1], `${n}_dy_flat`);
    const flatIndices = reshape(graph, indices.name, [-1], `${n}_idx_flat`);
    const gathered = one(graph, 'Gather', [flatDy, flatIndices], `${n}_gathered`, { axis: 0 });
    return { dInputs: [reshape(graph, gathered, dims.get(values.name)!, `${n}_dx`), null], dWeights: {} };
  },

  UpSampling2D: resizeBackward((config) => (config.interpolation === 'bilinear' ? 'linear' : 'nearest'), false),
  ResizeBilinearLike: resizeBackward(() => 'linear', true),

  Concatenate: ({ graph, record, dims, dOutputs }) => {
    const dy = dOutputs[0];
    if (!dy) return { dInputs: record.inputs.map(() => null), dWeights: {} };
    const n = record.layer.name;
    const sizes = record.inputs.map((i) => dims.get(i.name)![1]!);
    const parts = graph.node('Split', [dy, graph.int64s(`${n}_split`, sizes)], record.inputs.map((_, k) => `${n}_d${k}`), { axis: 1 });
    return { dInputs: parts, dWeights: {} };
  },

  Add: ({ record, dOutputs }) => ({ dInputs: record.inputs.map(() => dOutputs[0] ?? null), dWeights: {} }),

  GlobalAveragePooling2D: ({ graph, record, dims, dOutputs }) => {
    const dy = dOutputs[0];
    if (!dy) return { dInputs: [null], dWeights: {} };
    const n = record.layer.name;
    const [N, C, H, W] = dims.get(record.inputs[0]!.name)!;
    const spread = one(graph, 'Div', [reshape(graph, dy, [N!, C!, 1, 1], `${n}_dy4`), graph.scalar(H! * W!)], `${n}_dy_mean`);
    return { dInputs: [one(graph, 'Expand', [spread, graph.int64s(`${n}_shape`, [N!, C!, H!, W!])], `${n}_dx`)], dWeights: {} };
  },

  Reshape: ({ graph, record, dims, dOutputs }) => {
    const dy = dOutputs[0];
    if (!dy) return { dInputs: [null], dWeights: {} };
    return { dInputs: [reshape(graph, dy, dims.get(record.inputs[0]!.name)!, `${record.layer.name}_dx`)], dWeights: {} };
  },
};

export function backwardFor(layer: tf.layers.Layer): Backward {
  return BACKWARD[layer.getClassName()]!;
}
