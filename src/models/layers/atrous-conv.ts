// Atrous (dilated) 3×3 convolution that can be trained. On wasm and cpu it is one dilated convolution with
// gradients we supply (dilated-conv.ts). Elsewhere, the classic equivalence (TF's atrous_conv2d): space-to-batch
// by the rate, an ordinary convolution, batch-to-space back; all three have tfjs gradients, but the padding to
// a multiple of the rate costs 2.6–10× the work at DeepLab's feature sizes.
import * as tf from '@tensorflow/tfjs';
import { dilatedConv2d, dilatedDepthwiseConv2d } from './dilated-conv.ts';

/** Backends whose dilated conv2d / depthwiseConv2d forward the direct path is tested on (tests/unit/models/dilated-conv.test.ts). */
const DIRECT_BACKENDS = new Set(['wasm', 'cpu']);

/** 'same'-padded convolution of x with `kernel` dilated by `rate`; depthwise when the kernel is [k, k, cin, 1]. */
export function atrousConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, rate: number, depthwise: boolean): tf.Tensor4D {
  if (rate === 1) return depthwise ? tf.depthwiseConv2d(x, kernel, 1, 'same') : tf.conv2d(x, kernel, 1, 'same');
  if (!DIRECT_BACKENDS.has(tf.getBackend())) return spaceToBatchAtrousConv2d(x, kernel, rate, depthwise);
  return tf.tidy(() => {
    const reachable = reachableTaps(kernel, rate, x.shape[1], x.shape[2]);
    return depthwise ? dilatedDepthwiseConv2d(x, reachable, rate) : dilatedConv2d(x, reachable, rate);
  });
}

/**
 * The odd kernel without the taps that, dilated by `rate`, read only padding from every pixel of an h×w image
 * (offset j·rate > size − 1): ASPP's rate 18 on a 16×16 feature map is a 1×1 convolution. The slice's gradient
 * gives those taps zero, as the full convolution would.
 */
export function reachableTaps(kernel: tf.Tensor4D, rate: number, h: number, w: number): tf.Tensor4D {
  const [kh, kw] = kernel.shape;
  if (kh % 2 === 0 || kw % 2 === 0) return kernel;
  const reach = (k: number, size: number) => Math.min((k - 1) / 2, Math.floor((size - 1) / rate));
  const [rh, rw] = [reach(kh, h), reach(kw, w)];
  if (2 * rh + 1 === kh && 2 * rw + 1 === kw) return kernel;
  return tf.slice(kernel, [(kh - 1) / 2 - rh, (kw - 1) / 2 - rw, 0, 0], [2 * rh + 1, 2 * rw + 1, -1, -1]);
}

/** atrousConv2d by space-to-batch → 'valid' convolution → batch-to-space: only ops tfjs can differentiate. */
export function spaceToBatchAtrousConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, rate: number, depthwise: boolean): tf.Tensor4D {
  const conv = (input: tf.Tensor4D, pad: 'same' | 'valid') =>
    depthwise ? tf.depthwiseConv2d(input, kernel, 1, pad) : tf.conv2d(input, kernel, 1, pad);
  if (rate === 1) return conv(x, 'same');
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const k = kernel.shape[0];
    const padTotal = (k - 1) * rate; // effective kernel size minus one
    const padStart = Math.floor(padTotal / 2);
    const padEnd = padTotal - padStart;
    // Extra padding at the end makes the padded size divisible by the rate; it is cropped off again afterwards.
    const extraH = (rate - ((h + padTotal) % rate)) % rate;
    const extraW = (rate - ((w + padTotal) % rate)) % rate;
    const spread = tf.spaceToBatchND(x, [rate, rate], [
      [padStart, padEnd + extraH],
      [padStart, padEnd + extraW],
    ]) as tf.Tensor4D;
    return tf.batchToSpaceND(conv(spread, 'valid'), [rate, rate], [
      [0, extraH],
      [0, extraW],
    ]) as tf.Tensor4D;
  });
}

export interface AtrousConv2DArgs {
  name?: string;
  trainable?: boolean;
  /** Output channels; ignored (= input channels) when depthwise. */
  filters: number;
  kernelSize: number;
  rate: number;
  /** Depthwise (one filter per channel) instead of a full convolution: half of a depthwise-separable conv. */
  depthwise: boolean;
  useBias: boolean;
}

/** Layer form of atrousConv2d, serialisable so saved models reload with their rates. */
export class AtrousConv2D extends tf.layers.Layer {
  static className = 'AtrousConv2D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly rate: number;
  readonly depthwise: boolean;
  readonly useBias: boolean;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(args: AtrousConv2DArgs) {
    super({ name: args.name, trainable: args.trainable });
    for (const key of ['filters', 'kernelSize', 'rate'] as const) {
      if (!Number.isInteger(args[key]) || args[key] < 1) throw new Error(`AtrousConv2D: ${key} must be a positive integer, got ${args[key]}`);
    }
    this.filters = args.filters;
    this.kernelSize = args.kernelSize;
    this.rate = args.rate;
    this.depthwise = args.depthwise;
    this.useBias = args.useBias;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const cin = shape[3];
    if (cin == null) throw new Error(`layer ${this.name}: the channel count of its input must be known`);
    const k = this.kernelSize;
    const fanIn = this.depthwise ? k * k : k * k * cin;
    this.kernel = this.addWeight(
      'kernel',
      this.depthwise ? [k, k, cin, 1] : [k, k, cin, this.filters],
      'float32',
      // He-normal on the true fan-in: k·k for a depthwise kernel, k·k·cin for a full one.
      tf.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(2 / fanIn) }),
    );
    if (this.useBias) this.bias = this.addWeight('bias', [this.depthwise ? cin : this.filters], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w, cin] = inputShape as tf.Shape;
    return [b, h, w, this.depthwise ? cin : this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.tidy(() => {
      const y = atrousConv2d(x, this.kernel!.read() as tf.Tensor4D, this.rate, this.depthwise);
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      rate: this.rate,
      depthwise: this.depthwise,
      useBias: this.useBias,
    };
  }
}

tf.serialization.registerClass(AtrousConv2D);
