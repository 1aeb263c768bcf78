// DepthwiseConv2dNativeBackpropInput for wasm, through XNNPACK's depthwise convolution.
// Each (channel, multiplier) plane of dy is correlated with its flipped filter; stride s becomes s×s
// phases as a depthwise multiplier (see transposed-conv.ts), and the multiplier axis is summed.
import * as tf from '@tensorflow/tfjs';
import { KernelScope, requireInput, type KernelArgs } from './kernel-scope.ts';
import { interleavePhases, paddedForCorrelation, phaseFilters, planTransposedConv } from './transposed-conv.ts';

interface DepthwiseBackpropInputAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

function depthwiseBackpropInput(args: KernelArgs): tf.TensorInfo {
  const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs as unknown as DepthwiseBackpropInputAttrs;
  const scope = new KernelScope(args.backend as tf.KernelBackend);
  try {
    const dy = requireInput(args, 'DepthwiseConv2dNativeBackpropInput', 'dy');
    const filter = requireInput(args, 'DepthwiseConv2dNativeBackpropInput', 'filter');
    const [kh, kw, channels, multiplier] = filter.shape;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape, filter.shape as [number, number, number, number], strides, dilations ?? 1, pad, dimRoundingMode, true);
    const plan = planTransposedConv(info);
    const phaseCount = plan.strideHeight * plan.strideWidth;
    // [KH, KW, C·M, 1] → phases [TH, TW, C·M, SH, SW, 1] → a depthwise filter with multiplier SH·SW.
    const phased = phaseFilters(scope, scope.reshape(filter, [kh, kw, channels * multiplier, 1]), plan);
    const [th, tw] = phased.shape;
    const phaseFilter = scope.reshape(phased, [th, tw, channels * multiplier, phaseCount]);
    const { input, pad: correlationPad } = paddedForCorrelation(scope, dy, plan);
    let phases = scope.run('DepthwiseConv2dNative', { x: input, filter: phaseFilter }, {
      strides: [1, 1], pad: correlationPad, dilations: [plan.dilationHeight, plan.dilationWidth], dimRoundingMode: undefined,
    });
    const [b, q, qw] = phases.shape;
    if (multiplier > 1 || phaseCount > 1) {
      // Channels come out as (c, m, phase): sum m, then order them (phase, c) for the interleave.
      let byChannel = scope.reshape(phases, [b * q * qw, channels, multiplier, phaseCount]);
      if (multiplier > 1) byChannel = scope.run('Sum', { x: byChannel }, { axis: [2], keepDims: false });
      else byChannel = scope.reshape(byChannel, [b * q * qw, channels, phaseCount]);
      if (phaseCount > 1) byChannel = scope.transpose(byChannel, [0, 2, 1]);
      phases = scope.reshape(byChannel, [b, q, qw, phaseCount * channels]);
    }
    return scope.keep(interleavePhases(scope, phases, plan));
  } finally {
    scope.dispose();
  }
}

/** Kernel config: DepthwiseConv2dNativeBackpropInput on wasm through XNNPACK's depthwise convolution. */
export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput,
};
