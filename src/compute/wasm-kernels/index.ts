// Registers the kernels that training needs and tfjs-backend-wasm 4.22 lacks (or runs slowly).
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.ts';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.ts';
import { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter.ts';
import { depthwiseBackpropInputConfig } from './depthwise-backprop-input.ts';
import { registerOverNative } from './native-fallback.ts';
import { resizeNearestGradByPooling } from './resize-nearest-grad.ts';
import { castToSameDtype, identityView } from './shared-buffer.ts';
import { sumLeadingAxes } from './sum-leading-axes.ts';
import { tileChannelVector } from './tile-channel-vector.ts';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.ts';
import { checkXnnFailuresInEveryKernel } from './xnn-failure-check.ts';

/** Kernels registered on wasm: the missing ones, plus Conv2DBackpropInput whose native version is a slow scalar loop (more fast paths below). */
export const wasmTrainingKernels: tf.KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  unsortedSegmentSumConfig,
];

let registered = false;

/** Registers the wasm training kernels once; later calls do nothing. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  for (const config of wasmTrainingKernels) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    if (existing != null) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  // Fast paths in front of native kernels, which stay as the fallback.
  registerOverNative('Sum', sumLeadingAxes);
  registerOverNative('Tile', tileChannelVector);
  registerOverNative('ResizeNearestNeighborGrad', resizeNearestGradByPooling);
  // Views instead of copies: the gradient tape clones every tensor it saves, which copied each one on wasm.
  registerOverNative('Identity', identityView);
  registerOverNative('Cast', castToSameDtype);
  checkXnnFailuresInEveryKernel();
}
