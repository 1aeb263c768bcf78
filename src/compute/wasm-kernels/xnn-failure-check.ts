// Every wasm kernel checks, as it returns, whether XNNPACK reported a failure while it ran. tfjs-backend-wasm only
// prints such a failure and returns an output it never wrote; a training step then ran on for minutes on garbage
// before anything noticed. Throwing from the kernel stops the step at the operator that failed.
import * as tf from '@tensorflow/tfjs';
import { throwIfXnnFailed } from '../wasm-threads.ts';

const checkers = new WeakSet<tf.KernelFunc>();

/** Wraps every registered wasm kernel (ours and native) once; later calls wrap only kernels registered since. */
export function checkXnnFailuresInEveryKernel(): void {
  for (const config of tf.getKernelsForBackend('wasm')) {
    if (checkers.has(config.kernelFunc)) continue;
    const inner = config.kernelFunc;
    const kernelFunc: tf.KernelFunc = (args) => {
      const out = inner(args);
      try {
        throwIfXnnFailed(`the ${config.kernelName} kernel`);
      } catch (error) {
        for (const info of Array.isArray(out) ? out : [out]) (args.backend as tf.KernelBackend).disposeData(info.dataId);
        throw error;
      }
      return out;
    };
    checkers.add(kernelFunc);
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, kernelFunc });
  }
}
