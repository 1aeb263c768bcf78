// A kernel the plain-JS cpu backend gets wrong: tfjs 4.22's ResizeNearestNeighborGrad adds every image after the
// first of a batch at the wrong offset, so U-Net's up-sampling gets wrong gradients when batch > 1. This one is
// the exact adjoint of the forward op: each output pixel's gradient goes to the input pixel it was copied from.
import * as tf from '@tensorflow/tfjs';

interface CpuBackend {
  readSync(dataId: object): tf.TypedArray;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo;
}

/** The source index along one axis, as tfjs's forward ResizeNearestNeighbor computes it. */
function sourceIndex(out: number, inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const scale = (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
  const frac = halfPixelCenters ? scale * (out + 0.5) : scale * out;
  const nearest = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  return halfPixelCenters ? Math.max(0, nearest) : nearest;
}

const resizeNearestNeighborGrad: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { images, dy } = inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const { alignCorners, halfPixelCenters } = attrs as unknown as { alignCorners: boolean; halfPixelCenters: boolean };
  const cpu = backend as unknown as CpuBackend;
  const [batch, inH, inW, channels] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  const grad = cpu.readSync(dy.dataId) as Float32Array;
  const dx = new Float32Array(batch * inH * inW * channels);
  const rows = Array.from({ length: outH }, (_, r) => sourceIndex(r, inH, outH, alignCorners, halfPixelCenters));
  const cols = Array.from({ length: outW }, (_, c) => sourceIndex(c, inW, outW, alignCorners, halfPixelCenters));
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const dstRow = (b * inH + rows[r]!) * inW;
      const srcRow = (b * outH + r) * outW;
      for (let c = 0; c < outW; c++) {
        const dst = (dstRow + cols[c]!) * channels;
        const src = (srcRow + c) * channels;
        for (let k = 0; k < channels; k++) dx[dst + k]! += grad[src + k]!;
      }
    }
  }
  return cpu.makeTensorInfo([batch, inH, inW, channels], 'float32', dx);
};

/** Replaces tfjs's cpu kernels that compute wrong values; idempotent. */
export function registerCpuKernelFixes(): void {
  const current = tf.getKernel('ResizeNearestNeighborGrad', 'cpu');
  if (current?.kernelFunc === resizeNearestNeighborGrad) return;
  if (current) tf.unregisterKernel('ResizeNearestNeighborGrad', 'cpu');
  tf.registerKernel({ kernelName: 'ResizeNearestNeighborGrad', backendName: 'cpu', kernelFunc: resizeNearestNeighborGrad });
}
