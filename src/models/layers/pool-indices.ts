// SegNet's 2×2 max-pooling that records where each max came from, and the unpooling that puts values back there.
// tfjs has no trainable maxPoolWithArgmax kernel, so tf.customGrad supplies both gradients, each the other
// operation: pooling's gradient unpools dy to the recorded positions, unpooling's gathers dy from them. The
// tape then keeps only the indices for the backward pass, instead of every window tensor, one-hot mask and
// product of a composed version (28% of SegNet-Basic's peak tensor bytes in a 256² training step).
import * as tf from '@tensorflow/tfjs';

/**
 * Position of each max inside its 2×2 window, row-major: 0 = top-left, 1 = top-right, 2 = bottom-left, 3 = bottom-right.
 * Together with the pooled pixel's own position this is the argmax index in the input.
 * Ties go to the lowest window position (argMax returns the first maximum), so results are deterministic.
 */
export type WindowIndices = tf.Tensor4D;

/** Splits [b, h, w, c] into [b, h/2, w/2, c, 4] so that the last axis holds each 2×2 window in row-major order. */
function toWindows(x: tf.Tensor4D): tf.Tensor5D {
  const [b, h, w, c] = x.shape;
  const split = tf.reshape(x, [b, h / 2, 2, w / 2, 2, c]);
  return tf.reshape(tf.transpose(split, [0, 1, 3, 5, 2, 4]), [b, h / 2, w / 2, c, 4]);
}

/** Inverse of toWindows. */
function fromWindows(windows: tf.Tensor5D): tf.Tensor4D {
  const [b, hh, wh, c] = windows.shape;
  const split = tf.reshape(windows, [b, hh, wh, c, 2, 2]);
  return tf.reshape(tf.transpose(split, [0, 1, 4, 2, 5, 3]), [b, hh * 2, wh * 2, c]);
}

/** [b, h, w, c, 4] float32, 1 at each window's recorded position. */
function windowMask(indices: WindowIndices): tf.Tensor5D {
  // oneHot's own dtype argument is not honoured on wasm (it writes int32 bits), so cast explicitly.
  return tf.cast(tf.oneHot(tf.cast(indices, 'int32') as tf.Tensor4D, 4), 'float32') as tf.Tensor5D;
}

/** values [b, h, w, c] placed at their window positions in [b, 2h, 2w, c], zeros elsewhere. */
function scatterToWindows(values: tf.Tensor4D, indices: WindowIndices): tf.Tensor4D {
  return fromWindows(tf.mul(tf.expandDims(values, -1), windowMask(indices)) as tf.Tensor5D);
}

/** The value at each window's recorded position: [b, 2h, 2w, c] → [b, h, w, c]. */
function gatherFromWindows(x: tf.Tensor4D, indices: WindowIndices): tf.Tensor4D {
  return tf.sum(tf.mul(toWindows(x), windowMask(indices)), -1) as tf.Tensor4D;
}

/** f(x) with gradient `gradient(dy, indices)`; the indices are saved for backward, nothing else. */
function withIndexGradient(
  forward: (x: tf.Tensor4D) => tf.Tensor4D,
  gradient: (dy: tf.Tensor4D, indices: WindowIndices) => tf.Tensor4D,
  indices: WindowIndices,
): (x: tf.Tensor4D) => tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    save([indices]);
    return { value: forward(x), gradFunc: (dy, saved) => gradient(dy as tf.Tensor4D, saved[0] as WindowIndices) };
  });
  return (x) => op(x) as tf.Tensor4D;
}

// Computed inside a custom op so the gradient tape records nothing for it: indices are not differentiable.
const windowArgMax = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor4D;
  const shape = x.shape;
  return { value: tf.cast(tf.argMax(toWindows(x), -1), 'float32'), gradFunc: () => tf.zeros(shape) };
});

function checkEven(x: tf.Tensor, who: string, sizeMultiple: number): void {
  const [, h, w] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) {
    const hint = sizeMultiple > 2 ? `the model's input height and width must be multiples of ${sizeMultiple}` : 'pad the input to even sizes';
    throw new Error(`${who}: height and width must be even, got ${h}×${w}; ${hint}`);
  }
}

/** 2×2 / stride-2 max-pooling; returns the pooled values and, as float32, the window index of each max. */
export function maxPoolWithIndices(x: tf.Tensor4D, who = 'maxPoolWithIndices', sizeMultiple = 2): [tf.Tensor4D, WindowIndices] {
  checkEven(x, who, sizeMultiple);
  return tf.tidy(() => {
    const indices = windowArgMax(x) as WindowIndices;
    // The max is the max whichever tied position argMax picked; the gradient goes to the recorded one.
    const pool = withIndexGradient((xs) => tf.maxPool(xs, 2, 2, 'valid'), scatterToWindows, indices);
    return [pool(x), indices];
  });
}

/** Puts each value back at the position its max came from (twice the size), zeros elsewhere. */
export function unpoolWithIndices(values: tf.Tensor4D, indices: WindowIndices, who = 'unpoolWithIndices'): tf.Tensor4D {
  if (values.shape.join() !== indices.shape.join()) {
    throw new Error(`${who}: values ${values.shape} and indices ${indices.shape} must have the same shape`);
  }
  return tf.tidy(() => withIndexGradient((v) => scatterToWindows(v, indices), gatherFromWindows, indices)(values));
}

interface NamedLayerArgs {
  name?: string;
  trainable?: boolean;
}

export interface MaxPoolWithIndicesArgs extends NamedLayerArgs {
  /** The whole model's size multiple, only to name it when an odd size arrives. */
  modelSizeMultiple?: number;
}

/** Layer: input [b, h, w, c] → outputs [pooled [b, h/2, w/2, c], window indices [b, h/2, w/2, c]]. */
export class MaxPoolWithIndices extends tf.layers.Layer {
  static className = 'MaxPoolWithIndices';
  readonly modelSizeMultiple: number;
  private lastPass: { input: tf.Tensor; outputs: tf.Tensor[] } | null = null;

  constructor(args: MaxPoolWithIndicesArgs = {}) {
    super({ name: args.name, trainable: args.trainable });
    this.modelSizeMultiple = args.modelSizeMultiple ?? 2;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape[] {
    const [b, h, w, c] = inputShape as tf.Shape;
    const half = (n: number | null) => (n == null ? null : Math.floor(n / 2));
    const out: tf.Shape = [b, half(h), half(w), c];
    return [out, [...out]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    // tfjs-layers' executor applies a layer once for each of its outputs that the graph needs; the second
    // call for the same input takes the first call's outputs instead of pooling (and taping) it all again.
    const last = this.lastPass;
    this.lastPass = null;
    if (last && last.input === x && !x.isDisposed && last.outputs.every((t) => !t.isDisposed)) return last.outputs;
    const outputs = maxPoolWithIndices(x, `layer ${this.name}`, this.modelSizeMultiple);
    this.lastPass = { input: x, outputs };
    return outputs;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), modelSizeMultiple: this.modelSizeMultiple };
  }
}

/** Layer: inputs [values [b, h, w, c], window indices from MaxPoolWithIndices] → [b, 2h, 2w, c]. */
export class MaxUnpooling2D extends tf.layers.Layer {
  static className = 'MaxUnpooling2D';

  constructor(args: NamedLayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [b, h, w, c] = (inputShape as tf.Shape[])[0];
    const twice = (n: number | null) => (n == null ? null : n * 2);
    return [b, twice(h), twice(w), c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) {
      throw new Error(`layer ${this.name}: expects [values, indices]`);
    }
    return unpoolWithIndices(inputs[0] as tf.Tensor4D, inputs[1] as tf.Tensor4D, `layer ${this.name}`);
  }
}

tf.serialization.registerClass(MaxPoolWithIndices);
tf.serialization.registerClass(MaxUnpooling2D);
