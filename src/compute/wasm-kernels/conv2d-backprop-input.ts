// Conv2DBackpropInput for wasm through XNNPACK's convolution; the native wasm kernel is a scalar loop
// (about 10x slower than the forward pass). See transposed-conv.ts for the method.
import * as tf from '@tensorflow/tfjs';
import { KernelScope, requireInput, type KernelArgs } from './kernel-scope.ts';
import { interleavePhases, paddedForCorrelation, phaseFilters, planTransposedConv } from './transposed-conv.ts';

interface Conv2DBackpropInputAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

function conv2DBackpropInput(args: KernelArgs): tf.TensorInfo {
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as Conv2DBackpropInputAttrs;
  const scope = new KernelScope(args.backend as tf.KernelBackend);
  try {
    let dy = requireInput(args, 'Conv2DBackpropInput', 'dy');
    const filter = requireInput(args, 'Conv2DBackpropInput', 'filter');
    const channelsFirst = dataFormat === 'NCHW';
    if (channelsFirst) dy = scope.transpose(dy, [0, 2, 3, 1]);
    const nhwcShape: [number, number, number, number] = channelsFirst
      ? [inputShape[0], inputShape[2], inputShape[3], inputShape[1]] : inputShape;
    const info = tf.backend_util.computeConv2DInfo(
      nhwcShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const plan = planTransposedConv(info);
    // [KH, KW, Ci, Co] → phases [TH, TW, Co, SH, SW, Ci] → a filter from Co to (phase, Ci).
    const phased = phaseFilters(scope, scope.transpose(filter, [0, 1, 3, 2]), plan);
    const [th, tw] = phased.shape;
    const phaseFilter = scope.reshape(phased, [th, tw, info.outChannels, plan.strideHeight * plan.strideWidth * info.inChannels]);
    const { input, pad: correlationPad } = paddedForCorrelation(scope, dy, plan);
    const phases = scope.run('Conv2D', { x: input, filter: phaseFilter }, {
      strides: [1, 1], pad: correlationPad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
    });
    const dx = interleavePhases(scope, phases, plan);
    return scope.keep(channelsFirst ? scope.transpose(dx, [0, 3, 1, 2]) : dx);
  } finally {
    scope.dispose();
  }
}

/** Kernel config: Conv2DBackpropInput on wasm through XNNPACK's convolution (replaces the slow native kernel). */
export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput,
};
