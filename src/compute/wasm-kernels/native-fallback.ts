// Registers a wasm kernel over the native one, keeping the native kernel as the fallback for the cases the
// fast path does not cover. The native setupFunc is kept too: it must still run when the backend starts.
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from './kernel-scope.ts';

/** Returns the output, or null to let the native kernel handle these arguments. */
export type FastPath = (args: KernelArgs) => tf.TensorInfo | null;

const installed = new Map<string, tf.KernelFunc>();

/** Puts `fast` in front of the native wasm kernel `name`; later calls for the same name do nothing. */
export function registerOverNative(name: string, fast: FastPath): void {
  const native = tf.getKernel(name, 'wasm');
  if (native == null || native.kernelFunc === installed.get(name)) return;
  const kernelFunc: tf.KernelFunc = (args) => fast(args) ?? native.kernelFunc(args);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: native.setupFunc, kernelFunc });
  installed.set(name, kernelFunc);
}
