// One converter per tfjs layer class: the layer's inference-time math as ONNX nodes in NCHW. Weights are
// transposed here, once, from tfjs's [kh, kw, cin, cout] to ONNX's [cout, cin, kh, kw], so no Transpose runs
// per tile. An unknown layer class fails with its name and the classes that are known.
import type * as tf from '@tensorflow/tfjs';
import type { OnnxGraphBuilder } from './graph-builder.ts';

/** A tensor of the graph being built: its ONNX name and rank (4: NCHW, 2: NC after global pooling). */
export interface OnnxValue {
  name: string;
  rank: number;
  /** Max-pooling indices carry the shape of the tensor they index, which the unpooling restores. */
  pooledShape?: string;
}

export interface ConvertContext {
  graph: OnnxGraphBuilder;
  layer: tf.layers.Layer;
  config: Record<string, unknown>;
  inputs: OnnxValue[];
}

/** Returns the layer's outputs, in the order of its tfjs outputs. */
export type Converter = (ctx: ConvertContext) => OnnxValue[];

export type Pair = [number, number];

export const pair = (v: unknown, fallback: number): Pair => {
  if (v == null) return [fallback, fallback];
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  return [Number(v), Number(v)];
};

/** The layer's weight whose tfjs name ends in `/suffix` (kernel, bias, gamma, moving_mean, …). */
function weight(layer: tf.layers.Layer, suffix: string): { shape: number[]; values: Float32Array } | null {
  const found = layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
  if (!found) return null;
  const tensor = found.read();
  return { shape: tensor.shape, values: tensor.dataSync() as Float32Array };
}

function requiredWeight(layer: tf.layers.Layer, suffix: string): { shape: number[]; values: Float32Array } {
  const found = weight(layer, suffix);
  if (!found) throw new Error(`ONNX export: layer ${layer.name} has no "${suffix}" weight`);
  return found;
}

/** [kh, kw, cin, cout] → [cout, cin, kh, kw]. */
function kernelToOihw(shape: number[], values: Float32Array): { dims: number[]; values: Float32Array } {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  const out = new Float32Array(values.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + y) * kw + x] = values[((y * kw + x) * cin + i) * cout + o]!;
      }
    }
  }
  return { dims: [cout, cin, kh, kw], values: out };
}

/** [cout, cin, kh, kw] → [kh, kw, cin, cout]: kernelToOihw undone. */
function oihwToKernel(values: Float32Array, [kh, kw, cin, cout]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let y = 0; y < kh!; y++) {
    for (let x = 0; x < kw!; x++) {
      for (let i = 0; i < cin!; i++) {
        for (let o = 0; o < cout!; o++) out[((y * kw! + x) * cin! + i) * cout! + o] = values[((o * cin! + i) * kh! + y) * kw! + x]!;
      }
    }
  }
  return out;
}

/**
 * tfjs's 'same' padding: total (k_eff − 1) split with the extra pixel at the end (SAME_UPPER). Stride 1 with an
 * odd effective kernel splits evenly, so those get explicit pads (cheaper for ONNX Runtime to plan).
 */
function paddingAttributes(padding: unknown, kernel: Pair, strides: Pair, dilations: Pair): Record<string, number[] | string> {
  if (padding === 'valid') return { pads: [0, 0, 0, 0] };
  if (padding !== 'same') throw new Error(`ONNX export: padding "${String(padding)}" is not supported`);
  const effective = kernel.map((k, i) => (k - 1) * dilations[i]! + 1) as Pair;
  if (strides[0] === 1 && strides[1] === 1 && effective.every((k) => k % 2 === 1)) {
    const [ph, pw] = effective.map((k) => (k - 1) / 2) as Pair;
    return { pads: [ph, pw, ph, pw] };
  }
  return { auto_pad: 'SAME_UPPER' };
}

function activation(graph: OnnxGraphBuilder, x: string, name: unknown, layerName: string): string {
  if (name == null || name === 'linear') return x;
  if (name === 'relu') return graph.node('Relu', [x], `${layerName}_relu`)[0]!;
  if (name === 'softmax') return graph.node('Softmax', [x], `${layerName}_softmax`, { axis: 1 })[0]!;
  throw new Error(`ONNX export: layer ${layerName} has activation "${String(name)}", which is not supported`);
}

interface ConvSpec {
  /** The tfjs weight names: kernel (or depthwise_kernel) and bias. */
  kernelSuffix: string;
  kernel: { shape: number[]; values: Float32Array };
  bias: { shape: number[]; values: Float32Array } | null;
  depthwise: boolean;
  strides: Pair;
  dilations: Pair;
  padding: unknown;
  activation?: unknown;
}

function emitConv({ graph, layer, inputs }: ConvertContext, spec: ConvSpec): OnnxValue[] {
  const [kh, kw, cin, last] = spec.kernel.shape as [number, number, number, number];
  // A depthwise kernel [kh, kw, cin, multiplier] is a grouped conv of cin groups: output channel c·m + j in both.
  const tfjsShape = spec.depthwise ? [kh, kw, 1, cin * last] : spec.kernel.shape;
  const oihw = kernelToOihw(tfjsShape, spec.kernel.values);
  const kernel = graph.parameter({ layer: layer.name, suffix: spec.kernelSuffix, dims: oihw.dims, values: oihw.values, toTfjs: (v) => oihwToKernel(v, tfjsShape) });
  const inputsOf = [inputs[0]!.name, kernel];
  if (spec.bias) inputsOf.push(graph.parameter({ layer: layer.name, suffix: 'bias', dims: [spec.bias.values.length], values: spec.bias.values, toTfjs: (v) => v }));
  const [y] = graph.node('Conv', inputsOf, spec.activation && spec.activation !== 'linear' ? `${layer.name}_conv` : layer.name, {
    kernel_shape: [kh, kw],
    strides: spec.strides,
    dilations: spec.dilations,
    group: spec.depthwise ? cin : 1,
    ...paddingAttributes(spec.padding, [kh, kw], spec.strides, spec.dilations),
  });
  return [{ name: activation(graph, y!, spec.activation, layer.name), rank: 4 }];
}

/**
 * A transposed conv's ONNX attributes for tfjs's output size (input × stride, or (input − 1) × stride + kernel for
 * 'valid'): 'same' crops k − s pixels (the extra one at the end, as tfjs pads), and a kernel smaller than its stride
 * gets the missing rows back as output_padding.
 */
export function transposedConvGeometry(layer: tf.layers.Layer, config: Record<string, unknown>, kernel: Pair): { strides: Pair; pads: number[]; outputPadding: Pair } {
  const strides = pair(config.strides, 1);
  if (pair(config.dilationRate, 1).some((d) => d !== 1)) throw new Error(`ONNX export: transposed conv ${layer.name} is dilated, which is not supported`);
  if (config.padding !== 'same' && config.padding !== 'valid') throw new Error(`ONNX export: padding "${String(config.padding)}" is not supported`);
  const total = kernel.map((k, i) => (config.padding === 'same' ? Math.max(k - strides[i]!, 0) : 0));
  const begin = total.map((t) => Math.floor(t / 2));
  return {
    strides,
    pads: [begin[0]!, begin[1]!, total[0]! - begin[0]!, total[1]! - begin[1]!],
    outputPadding: kernel.map((k, i) => Math.max(strides[i]! - k, 0)) as Pair,
  };
}

const identity: Converter = ({ inputs }) => [inputs[0]!];

export const CONVERTERS: Record<string, Converter> = {
  InputLayer: identity,
  SegworkSizeCheck: identity,
  Dropout: identity,

  Conv2D: (ctx) =>
    emitConv(ctx, {
      kernelSuffix: 'kernel',
      kernel: requiredWeight(ctx.layer, 'kernel'),
      bias: weight(ctx.layer, 'bias'),
      depthwise: false,
      strides: pair(ctx.config.strides, 1),
      dilations: pair(ctx.config.dilationRate, 1),
      padding: ctx.config.padding,
      activation: ctx.config.activation,
    }),

  DepthwiseConv2D: (ctx) =>
    emitConv(ctx, {
      kernelSuffix: 'depthwise_kernel',
      kernel: requiredWeight(ctx.layer, 'depthwise_kernel'),
      bias: weight(ctx.layer, 'bias'),
      depthwise: true,
      strides: pair(ctx.config.strides, 1),
      dilations: pair(ctx.config.dilationRate, 1),
      padding: ctx.config.padding,
      activation: ctx.config.activation,
    }),

  // Segwork's trainable atrous conv: one Conv with dilations; the taps that read only padding stay (they add 0).
  AtrousConv2D: (ctx) =>
    emitConv(ctx, {
      kernelSuffix: 'kernel',
      kernel: requiredWeight(ctx.layer, 'kernel'),
      bias: weight(ctx.layer, 'bias'),
      depthwise: ctx.config.depthwise === true,
      strides: [1, 1],
      dilations: pair(ctx.config.rate, 1),
      padding: 'same',
    }),

  // Learnt up-sampling (FCN). tfjs's kernel [kh, kw, out, in] is ONNX ConvTranspose's [in, out, kh, kw].
  Conv2DTranspose: ({ graph, layer, config, inputs }) => {
    const k = requiredWeight(layer, 'kernel');
    const [kh, kw] = k.shape as [number, number];
    const transposed = kernelToOihw(k.shape, k.values);
    const kernel = graph.parameter({ layer: layer.name, suffix: 'kernel', dims: transposed.dims, values: transposed.values, toTfjs: (v) => oihwToKernel(v, k.shape) });
    const bias = weight(layer, 'bias');
    const inputsOf = [inputs[0]!.name, kernel];
    if (bias) inputsOf.push(graph.parameter({ layer: layer.name, suffix: 'bias', dims: [bias.values.length], values: bias.values, toTfjs: (v) => v }));
    const { strides, pads, outputPadding } = transposedConvGeometry(layer, config, [kh, kw]);
    const hasActivation = config.activation != null && config.activation !== 'linear';
    const [y] = graph.node('ConvTranspose', inputsOf, hasActivation ? `${layer.name}_conv` : layer.name, {
      kernel_shape: [kh, kw], strides, pads, output_padding: outputPadding,
    });
    return [{ name: activation(graph, y!, config.activation, layer.name), rank: 4 }];
  },

  BatchNormalization: ({ graph, layer, config, inputs }) => {
    const channels = requiredWeight(layer, 'moving_mean').values.length;
    const ones = new Float32Array(channels).fill(1);
    const zeros = new Float32Array(channels);
    const gamma = weight(layer, 'gamma')?.values ?? ones;
    const beta = weight(layer, 'beta')?.values ?? zeros;
    const epsilon = typeof config.epsilon === 'number' ? config.epsilon : 1e-3;
    const [y] = graph.node(
      'BatchNormalization',
      [
        inputs[0]!.name,
        graph.floats(`${layer.name}_scale`, [channels], gamma),
        graph.floats(`${layer.name}_bias`, [channels], beta),
        graph.floats(`${layer.name}_mean`, [channels], requiredWeight(layer, 'moving_mean').values),
        graph.floats(`${layer.name}_var`, [channels], requiredWeight(layer, 'moving_variance').values),
      ],
      layer.name,
      { epsilon: { float: epsilon } },
    );
    return [{ name: y!, rank: 4 }];
  },

  ReLU: ({ graph, layer, config, inputs }) => {
    const max = config.maxValue;
    if (max == null) return [{ name: graph.node('Relu', [inputs[0]!.name], layer.name)[0]!, rank: inputs[0]!.rank }];
    const bounds = [graph.floats(`${layer.name}_min`, [], new Float32Array([0])), graph.floats(`${layer.name}_max`, [], new Float32Array([Number(max)]))];
    return [{ name: graph.node('Clip', [inputs[0]!.name, ...bounds], layer.name)[0]!, rank: inputs[0]!.rank }];
  },

  Activation: ({ graph, layer, config, inputs }) => [{ name: activation(graph, inputs[0]!.name, config.activation, layer.name), rank: inputs[0]!.rank }],

  Softmax: ({ graph, layer, config, inputs }) => {
    const axis = config.axis == null ? -1 : Number(config.axis);
    if (axis !== -1 && axis !== 3) throw new Error(`ONNX export: layer ${layer.name} takes softmax over axis ${axis}; only the channel axis is supported`);
    return [{ name: graph.node('Softmax', [inputs[0]!.name], layer.name, { axis: 1 })[0]!, rank: 4 }];
  },

  MaxPooling2D: ({ graph, layer, config, inputs }) => {
    const kernel = pair(config.poolSize, 2);
    const strides = pair(config.strides ?? config.poolSize, 2);
    const [y] = graph.node('MaxPool', [inputs[0]!.name], layer.name, {
      kernel_shape: kernel,
      strides,
      ...paddingAttributes(config.padding, kernel, strides, [1, 1]),
    });
    return [{ name: y!, rank: 4 }];
  },

  // SegNet's pooling: MaxPool's Indices output (flat NCHW positions) stands in for tfjs's window positions;
  // MaxUnpool puts each value back there, sized like the tensor that was pooled.
  MaxPoolWithIndices: ({ graph, layer, inputs }) => {
    const [y, indices] = graph.node('MaxPool', [inputs[0]!.name], [layer.name, `${layer.name}_indices`], { kernel_shape: [2, 2], strides: [2, 2] });
    const [shape] = graph.node('Shape', [inputs[0]!.name], `${layer.name}_input_shape`);
    return [
      { name: y!, rank: 4 },
      { name: indices!, rank: 4, pooledShape: shape! },
    ];
  },

  MaxUnpooling2D: ({ graph, layer, inputs }) => {
    const [values, indices] = inputs as [OnnxValue, OnnxValue];
    if (!indices.pooledShape) throw new Error(`ONNX export: layer ${layer.name} must take its indices from a MaxPoolWithIndices layer`);
    return [{ name: graph.node('MaxUnpool', [values.name, indices.name, indices.pooledShape], layer.name, { kernel_shape: [2, 2], strides: [2, 2] })[0]!, rank: 4 }];
  },

  // tfjs UpSampling2D resizes with alignCorners and halfPixelCenters both false: ONNX's "asymmetric" transform.
  UpSampling2D: ({ graph, layer, config, inputs }) => {
    const [sh, sw] = pair(config.size, 2);
    const mode = config.interpolation === 'bilinear' ? 'linear' : 'nearest';
    const scales = graph.floats(`${layer.name}_scales`, [4], new Float32Array([1, 1, sh, sw]));
    const [y] = graph.node('Resize', [inputs[0]!.name, '', scales], layer.name, {
      mode,
      coordinate_transformation_mode: 'asymmetric',
      ...(mode === 'nearest' ? { nearest_mode: 'floor' } : {}),
    });
    return [{ name: y!, rank: 4 }];
  },

  // Bilinear, corners aligned, to the reference tensor's height and width (known only at run time).
  ResizeBilinearLike: ({ graph, layer, inputs }) => {
    const [x, ref] = inputs as [OnnxValue, OnnxValue];
    const [xShape] = graph.node('Shape', [x.name], `${layer.name}_x_shape`);
    const [refShape] = graph.node('Shape', [ref.name], `${layer.name}_ref_shape`);
    const slice = (shape: string, start: number, end: number, tag: string) =>
      graph.node('Slice', [shape, graph.int64s(`${layer.name}_${tag}_start`, [start]), graph.int64s(`${layer.name}_${tag}_end`, [end])], `${layer.name}_${tag}`)[0]!;
    const [sizes] = graph.node('Concat', [slice(xShape!, 0, 2, 'nc'), slice(refShape!, 2, 4, 'hw')], `${layer.name}_sizes`, { axis: 0 });
    const [y] = graph.node('Resize', [x.name, '', '', sizes!], layer.name, { mode: 'linear', coordinate_transformation_mode: 'align_corners' });
    return [{ name: y!, rank: 4 }];
  },

  Concatenate: ({ graph, layer, config, inputs }) => {
    const axis = config.axis == null ? -1 : Number(config.axis);
    if (axis !== -1 && axis !== 3) throw new Error(`ONNX export: layer ${layer.name} concatenates on axis ${axis}; only the channel axis is supported`);
    return [{ name: graph.node('Concat', inputs.map((i) => i.name), layer.name, { axis: 1 })[0]!, rank: 4 }];
  },

  Add: ({ graph, layer, inputs }) => {
    let sum = inputs[0]!.name;
    inputs.slice(1).forEach((other, i) => (sum = graph.node('Add', [sum, other.name], i === inputs.length - 2 ? layer.name : `${layer.name}_partial`)[0]!));
    return [{ name: sum, rank: inputs[0]!.rank }];
  },

  GlobalAveragePooling2D: ({ graph, layer, inputs }) => {
    const [pooled] = graph.node('GlobalAveragePool', [inputs[0]!.name], `${layer.name}_nchw`);
    return [{ name: graph.node('Flatten', [pooled!], layer.name, { axis: 1 })[0]!, rank: 2 }];
  },

  // The only reshape the architectures use: [b, c] → [b, 1, 1, c] (NHWC), which is [b, c, 1, 1] in NCHW.
  Reshape: ({ graph, layer, config, inputs }) => {
    const target = config.targetShape as number[];
    if (inputs[0]!.rank !== 2 || target.length !== 3 || target[0] !== 1 || target[1] !== 1) {
      throw new Error(`ONNX export: layer ${layer.name} reshapes to [${target}]; only [1, 1, channels] after global pooling is supported`);
    }
    const [y] = graph.node('Unsqueeze', [inputs[0]!.name, graph.int64s(`${layer.name}_axes`, [2, 3])], layer.name);
    return [{ name: y!, rank: 4 }];
  },
};

/** tfjs's Node of the layer graph: which layer outputs feed a layer's call. */
interface InboundNode {
  inboundLayers: tf.layers.Layer[];
  tensorIndices: number[];
}

/**
 * The graph values a layer reads: the outputs of its inbound layers (tfjs keeps a functional model's layers sorted
 * from inputs to outputs, so those are converted first), or `input` for the input layer.
 */
export function inboundValues(layer: tf.layers.Layer, converted: Map<string, OnnxValue[]>, input: OnnxValue): OnnxValue[] {
  const node = (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes[0];
  if (!node || node.inboundLayers.length === 0) return [input];
  return node.inboundLayers.map((inbound, i) => {
    const value = converted.get(inbound.name)?.[node.tensorIndices[i]!];
    if (!value) throw new Error(`ONNX export: layer ${layer.name} reads ${inbound.name}, which was not converted yet`);
    return value;
  });
}

export function converterFor(layer: tf.layers.Layer): Converter {
  const className = layer.getClassName();
  const converter = CONVERTERS[className];
  if (!converter) {
    throw new Error(`ONNX export: layer ${layer.name} is a ${className}, which has no ONNX converter (known: ${Object.keys(CONVERTERS).join(', ')})`);
  }
  return converter;
}
