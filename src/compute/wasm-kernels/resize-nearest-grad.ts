// ResizeNearestNeighborGrad for wasm, fast path for integer up-sampling (U-Net's UpSampling2D): each input
// pixel's gradient is the sum of its f_h × f_w output block, i.e. XNNPACK's average pooling times f_h·f_w.
// The native kernel is a scalar loop; other resizes (align corners, half-pixel centres, fractional scales)
// go to it.
import type * as tf from '@tensorflow/tfjs';
import { KernelScope, requireInput, wasmHeap, type KernelArgs } from './kernel-scope.ts';

export function resizeNearestGradByPooling(args: KernelArgs): tf.TensorInfo | null {
  const dy = requireInput(args, 'ResizeNearestNeighborGrad', 'dy');
  const images = requireInput(args, 'ResizeNearestNeighborGrad', 'images');
  const { alignCorners, halfPixelCenters } = args.attrs as unknown as { alignCorners: boolean; halfPixelCenters: boolean };
  const [, inH, inW] = images.shape;
  const [, outH, outW] = dy.shape;
  if (alignCorners || halfPixelCenters || dy.dtype !== 'float32' || outH! % inH! !== 0 || outW! % inW! !== 0) return null;
  const fh = outH! / inH!;
  const fw = outW! / inW!;
  const scope = new KernelScope(args.backend as tf.KernelBackend);
  try {
    const pooled = scope.run('AvgPool', { x: dy }, { filterSize: [fh, fw], strides: [fh, fw], pad: 'valid', dimRoundingMode: undefined });
    const values = wasmHeap(args).typedArrayFromHeap(pooled) as Float32Array;
    const area = fh * fw;
    for (let i = 0; i < values.length; i++) values[i]! *= area;
    return scope.keep(pooled);
  } finally {
    scope.dispose();
  }
}
