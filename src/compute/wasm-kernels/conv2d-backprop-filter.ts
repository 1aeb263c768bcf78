// Conv2DBackpropFilter for wasm: the filter gradient is itself a convolution, so XNNPACK does the work.
//   dW[kh, kw, ci, co] = Σ_{b, oh, ow} xPadded[b, oh·s + kh, ow·s + kw, ci] · dy[b, oh, ow, co]
// Read x as a batch of Ci images with B channels ([Ci, H, W, B]) and dy as a filter [OH, OW, B, Co]:
// a convolution with the forward padding and dilation = forward stride yields [Ci, KH, KW, Co].
import * as tf from '@tensorflow/tfjs';
import { KernelScope, requireInput, type KernelArgs } from './kernel-scope.ts';

interface Conv2DBackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const scope = new KernelScope(args.backend as tf.KernelBackend);
  try {
    let x = requireInput(args, 'Conv2DBackpropFilter', 'x');
    let dy = requireInput(args, 'Conv2DBackpropFilter', 'dy');
    if (dataFormat === 'NCHW') {
      x = scope.transpose(x, [0, 2, 3, 1]);
      dy = scope.transpose(dy, [0, 2, 3, 1]);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    // The forward pass read rows [-top, rows - top) of x: the convolution pads the missing ones for free;
    // rows it never read (past the bottom) become extra output rows that are cropped from the small result.
    const rows = info.filterHeight + (info.outHeight - 1) * info.strideHeight;
    const cols = info.filterWidth + (info.outWidth - 1) * info.strideWidth;
    const { top, left } = info.padInfo;
    const rowsAfter = rows - top - info.inHeight;
    const colsAfter = cols - left - info.inWidth;
    const xAsBatchOfChannels = scope.transpose(x, [3, 1, 2, 0]);
    const dyAsFilter = scope.transpose(dy, [1, 2, 0, 3]);
    const gradient = scope.run('Conv2D', { x: xAsBatchOfChannels, filter: dyAsFilter }, {
      strides: [1, 1],
      pad: [[0, 0], [top, Math.max(rowsAfter, 0)], [left, Math.max(colsAfter, 0)], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [info.strideHeight, info.strideWidth],
      dimRoundingMode: undefined,
    });
    const cropped = scope.padOrCrop(gradient, [[0, 0], [0, Math.min(rowsAfter, 0)], [0, Math.min(colsAfter, 0)], [0, 0]]);
    return scope.keep(scope.transpose(cropped, [1, 2, 0, 3]));
  } finally {
    scope.dispose();
  }
}

/** Kernel config: Conv2DBackpropFilter on wasm through XNNPACK's convolution. */
export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter,
};
