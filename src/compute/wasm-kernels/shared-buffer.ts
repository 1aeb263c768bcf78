// Identity, and Cast to the dtype a tensor already has, as views for wasm: the output shares the input's heap
// buffer and counts one more reference, as Reshape does on wasm and Identity does on cpu and webgl. The native
// kernels copy the whole tensor; a training step makes dozens of such copies of full-size activations.
import type * as tf from '@tensorflow/tfjs';
import { requireInput, wasmHeap, type KernelArgs } from './kernel-scope.ts';

function shareBuffer(args: KernelArgs, x: tf.TensorInfo): tf.TensorInfo {
  wasmHeap(args).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** Identity of any non-string tensor: a view. */
export function identityView(args: KernelArgs): tf.TensorInfo | null {
  const x = requireInput(args, 'Identity', 'x');
  return x.dtype === 'string' ? null : shareBuffer(args, x);
}

/** Cast to the same dtype: a view; every real conversion goes native. */
export function castToSameDtype(args: KernelArgs): tf.TensorInfo | null {
  const x = requireInput(args, 'Cast', 'x');
  const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
  return dtype === x.dtype && x.dtype !== 'string' ? shareBuffer(args, x) : null;
}
