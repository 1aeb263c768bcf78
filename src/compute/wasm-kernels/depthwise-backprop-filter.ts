// DepthwiseConv2dNativeBackpropFilter for wasm, one filter tap at a time:
//   dW[kh, kw, c, m] = Σ_{b, oh, ow} xPadded[b, oh·s + kh·d, ow·s + kw·d, c] · dy[b, oh, ow, c·M + m]
// Each tap is a strided slice, a multiply and a sum: all native wasm kernels, KH·KW passes over x.
import * as tf from '@tensorflow/tfjs';
import { KernelScope, requireInput, type KernelArgs } from './kernel-scope.ts';

interface DepthwiseBackpropFilterAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function depthwiseBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs as unknown as DepthwiseBackpropFilterAttrs;
  const scope = new KernelScope(args.backend as tf.KernelBackend);
  try {
    const x = requireInput(args, 'DepthwiseConv2dNativeBackpropFilter', 'x');
    const dy = requireInput(args, 'DepthwiseConv2dNativeBackpropFilter', 'dy');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, dilations ?? 1, pad, dimRoundingMode, true);
    const [kh, kw, channels, multiplier] = filterShape;
    const { batchSize, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
    const rows = (kh - 1) * dilationHeight + (outHeight - 1) * strideHeight + 1;
    const cols = (kw - 1) * dilationWidth + (outWidth - 1) * strideWidth + 1;
    const { top, left } = info.padInfo;
    const xPadded = scope.padOrCrop(x, [[0, 0], [top, rows - top - info.inHeight], [left, cols - left - info.inWidth], [0, 0]]);
    const dyPerChannel = scope.reshape(dy, [batchSize, outHeight, outWidth, channels, multiplier]);
    const taps: tf.TensorInfo[] = [];
    for (let row = 0; row < kh; row++) {
      for (let col = 0; col < kw; col++) {
        const begin = [0, row * dilationHeight, col * dilationWidth, 0];
        const end = [batchSize, begin[1] + (outHeight - 1) * strideHeight + 1, begin[2] + (outWidth - 1) * strideWidth + 1, channels];
        const window = scope.run('StridedSlice', { x: xPadded }, {
          begin, end, strides: [1, strideHeight, strideWidth, 1],
          beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0,
        });
        const product = scope.run('Multiply', { a: scope.reshape(window, [batchSize, outHeight, outWidth, channels, 1]), b: dyPerChannel });
        taps.push(scope.run('Sum', { x: product }, { axis: [0, 1, 2], keepDims: false }));
      }
    }
    const stacked = scope.run('Pack', taps, { axis: 0 });
    return scope.keep(scope.reshape(stacked, filterShape));
  } finally {
    scope.dispose();
  }
}

/** Kernel config: DepthwiseConv2dNativeBackpropFilter on wasm (per-tap slice, multiply, sum). */
export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter,
};
