// Input gradients of strided convolutions without zero insertion (polyphase decomposition).
// For stride s the input gradient splits into s×s phases; phase (rh, rw) is a stride-1 correlation of dy
// with the flipped sub-filter W[rh::s, rw::s]. One convolution computes every phase as extra output
// channels, then a transpose interleaves them (depth-to-space) and a crop removes the padding rows.
// With stride 1 this is the plain "correlate with the flipped filter" rule, and dilation passes through.
import * as tf from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope.ts';

/** How one spatial axis of the input gradient is computed. */
interface AxisPlan {
  /** Sub-filter taps per phase: ceil(kernel / stride). */
  taps: number;
  /** Zero padding of dy before the correlation (may be negative: crop). */
  padBefore: number;
  padAfter: number;
  /** First row of the interleaved result that belongs to the input. */
  cropStart: number;
}

function planAxis(inSize: number, outSize: number, kernel: number, stride: number, dilation: number, padBefore: number): AxisPlan {
  const taps = Math.ceil(kernel / stride);
  const firstPhaseRow = Math.floor(padBefore / stride);
  const phaseRows = Math.floor((padBefore + inSize - 1) / stride) - firstPhaseRow + 1;
  const reach = (taps - 1) * dilation;
  const dyPadBefore = reach - firstPhaseRow;
  return { taps, padBefore: dyPadBefore, padAfter: phaseRows + reach - outSize - dyPadBefore, cropStart: padBefore % stride };
}

/** Geometry of an input gradient: how to pad dy and crop the interleaved phases. */
export interface TransposedConvPlan {
  rows: AxisPlan;
  cols: AxisPlan;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  inHeight: number;
  inWidth: number;
}

/** Plans the input gradient of a forward convolution described by `info`. */
export function planTransposedConv(info: tf.backend_util.Conv2DInfo): TransposedConvPlan {
  return {
    rows: planAxis(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.dilationHeight, info.padInfo.top),
    cols: planAxis(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.dilationWidth, info.padInfo.left),
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
  };
}

/**
 * Rearranges a filter [KH, KW, A, Z] into per-phase flipped sub-filters [TH, TW, A, SH, SW, Z]
 * (A and Z are whatever channel axes the caller keeps), zero-filling taps past the kernel's end.
 */
export function phaseFilters(scope: KernelScope, filter: tf.TensorInfo, plan: TransposedConvPlan): tf.TensorInfo {
  const [kh, kw, a, z] = filter.shape;
  const { taps: th } = plan.rows;
  const { taps: tw } = plan.cols;
  const sh = plan.strideHeight;
  const sw = plan.strideWidth;
  const padded = scope.padOrCrop(filter, [[0, th * sh - kh], [0, tw * sw - kw], [0, 0], [0, 0]]);
  const byTap = scope.reshape(padded, [th, sh, tw, sw * a * z]);
  const flipped = scope.run('Reverse', { x: byTap }, { dims: [0, 2] });
  const split = scope.reshape(flipped, [th, sh, tw, sw, a, z]);
  return scope.transpose(split, [0, 2, 4, 1, 3, 5]);
}

/** Correlation padding for dy: explicit when non-negative (the convolution pads for free), else pad/crop dy first. */
export function paddedForCorrelation(scope: KernelScope, dy: tf.TensorInfo, plan: TransposedConvPlan):
  { input: tf.TensorInfo; pad: 'valid' | tf.backend_util.ExplicitPadding } {
  const { rows, cols } = plan;
  if (Math.min(rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter) >= 0) {
    return { input: dy, pad: [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]] };
  }
  const input = scope.padOrCrop(dy, [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]]);
  return { input, pad: 'valid' };
}

/** Interleaves phases [B, Q, Qw, SH·SW·C] into [B, Q·SH, Qw·SW, C] and crops to the input's size. */
export function interleavePhases(scope: KernelScope, phases: tf.TensorInfo, plan: TransposedConvPlan): tf.TensorInfo {
  const [b, q, qw, depth] = phases.shape;
  const sh = plan.strideHeight;
  const sw = plan.strideWidth;
  const channels = depth / (sh * sw);
  let interleaved = phases;
  // A rank-6 transpose: the native DepthToSpace kernel is a scalar loop about 10x slower.
  if (sh > 1 || sw > 1) {
    const split = scope.reshape(phases, [b, q, qw, sh, sw, channels]);
    interleaved = scope.reshape(scope.transpose(split, [0, 1, 3, 2, 4, 5]), [b, q * sh, qw * sw, channels]);
  }
  const rowsAfter = interleaved.shape[1] - plan.rows.cropStart - plan.inHeight;
  const colsAfter = interleaved.shape[2] - plan.cols.cropStart - plan.inWidth;
  return scope.padOrCrop(interleaved, [[0, 0], [-plan.rows.cropStart, -rowsAfter], [-plan.cols.cropStart, -colsAfter], [0, 0]]);
}
