// Direct dilated ('same', stride 1) convolutions with gradients. tfjs runs dilated conv2d / depthwiseConv2d
// forward (XNNPACK does on wasm) but asserts in their gradients, so tf.customGrad supplies them, each again a
// convolution the backend runs well. With pad (t, b) on rows, (l, r) on columns and rate d:
//   dx = conv(dy, W flipped in space, in/out swapped; pad (b, t), (r, l); dilation d)
//   dW[kh, kw, ci, co] = Σ_{b,h,w} xPadded[b, h + kh·d, w + kw·d, ci] · dy[b, h, w, co]
//      = conv(x read as [Ci, H, W, B], dy read as a filter [H, W, B, Co]; pad (t, b), (l, r); stride d)
import * as tf from '@tensorflow/tfjs';

type Padding = [[number, number], [number, number], [number, number], [number, number]];

/** The 'same' padding of a k×k kernel dilated by `rate`, and its mirror image (the transposed conv's). */
function samePadding(kh: number, kw: number, rate: number): { forward: Padding; mirrored: Padding } {
  const split = (k: number): [number, number] => {
    const total = (k - 1) * rate;
    const before = Math.floor(total / 2);
    return [before, total - before];
  };
  const [top, bottom] = split(kh);
  const [left, right] = split(kw);
  return {
    forward: [[0, 0], [top, bottom], [left, right], [0, 0]],
    mirrored: [[0, 0], [bottom, top], [right, left], [0, 0]],
  };
}

/** A differentiable op of (x, kernel) whose gradients `backward` gives, through tf.customGrad. */
function withGradients(
  forward: (x: tf.Tensor4D, kernel: tf.Tensor4D) => tf.Tensor4D,
  backward: (dy: tf.Tensor4D, x: tf.Tensor4D, kernel: tf.Tensor4D) => [tf.Tensor, tf.Tensor],
): (x: tf.Tensor4D, kernel: tf.Tensor4D) => tf.Tensor4D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, ws, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xs, ws]);
    return {
      value: forward(xs, ws),
      gradFunc: (dy, saved) => {
        const [xSaved, wSaved] = saved as [tf.Tensor4D, tf.Tensor4D];
        return backward(dy as tf.Tensor4D, xSaved, wSaved);
      },
    };
  });
  return (x, kernel) => op(x, kernel) as tf.Tensor4D;
}

/** 'same'-padded conv2d of x [B, H, W, Ci] by kernel [KH, KW, Ci, Co] dilated by `rate`, stride 1. */
export function dilatedConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, rate: number): tf.Tensor4D {
  const [kh, kw] = kernel.shape;
  const pad = samePadding(kh, kw, rate);
  const conv = withGradients(
    (xs, ws) => tf.conv2d(xs, ws, 1, pad.forward, 'NHWC', rate),
    (dy, xSaved, wSaved) => {
      const flipped = tf.transpose(tf.reverse(wSaved, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
      const dx = tf.conv2d(dy, flipped, 1, pad.mirrored, 'NHWC', rate);
      // Batch and channels swap places so the sum over the batch is the convolution's channel sum.
      const xAsBatchOfChannels = tf.transpose(xSaved, [3, 1, 2, 0]) as tf.Tensor4D;
      const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
      const dw = tf.transpose(tf.conv2d(xAsBatchOfChannels, dyAsFilter, rate, pad.forward), [1, 2, 0, 3]);
      return [dx, dw];
    },
  );
  return conv(x, kernel);
}

/** 'same'-padded depthwise conv of x [B, H, W, C] by kernel [KH, KW, C, 1] dilated by `rate`, stride 1. */
export function dilatedDepthwiseConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, rate: number): tf.Tensor4D {
  const [kh, kw, , multiplier] = kernel.shape;
  if (multiplier !== 1) throw new Error(`dilatedDepthwiseConv2d: channel multiplier must be 1, got ${multiplier}`);
  const pad = samePadding(kh, kw, rate);
  const conv = withGradients(
    (xs, ws) => tf.depthwiseConv2d(xs, ws, 1, pad.forward, 'NHWC', rate),
    (dy, xSaved, wSaved) => {
      const dx = tf.depthwiseConv2d(dy, tf.reverse(wSaved, [0, 1]) as tf.Tensor4D, 1, pad.mirrored, 'NHWC', rate);
      // One tap at a time: a depthwise filter as large as dy is not a kernel every backend can run.
      const [b, h, w, c] = xSaved.shape;
      const xPadded = tf.pad(xSaved, pad.forward);
      const taps: tf.Tensor[] = [];
      for (let row = 0; row < kh; row++) {
        for (let col = 0; col < kw; col++) {
          const window = tf.slice(xPadded, [0, row * rate, col * rate, 0], [b, h, w, c]);
          taps.push(tf.sum(tf.mul(window, dy), [0, 1, 2]));
        }
      }
      return [dx, tf.reshape(tf.stack(taps), [kh, kw, c, 1])];
    },
  );
  return conv(x, kernel);
}
