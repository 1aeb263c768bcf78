// UnsortedSegmentSum for wasm (the gradient of gather). A plain loop over the rows: it is rarely on a
// hot path, and a loop is O(rows · row size) where a one-hot matMul would be O(rows · segments · row size).
import * as tf from '@tensorflow/tfjs';
import { requireInput, wasmHeap, type KernelArgs } from './kernel-scope.ts';

function unsortedSegmentSum(args: KernelArgs): tf.TensorInfo {
  const x = requireInput(args, 'UnsortedSegmentSum', 'x');
  const segmentIds = requireInput(args, 'UnsortedSegmentSum', 'segmentIds');
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  const backend = wasmHeap(args);
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    throw new Error(`UnsortedSegmentSum: segmentIds must be 1-D with ${x.shape[0]} entries, got shape [${segmentIds.shape}]`);
  }
  const rowSize = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(1)], x.dtype);
  const sums = backend.typedArrayFromHeap(out);
  sums.fill(0);
  const values = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  for (let row = 0; row < ids.length; row++) {
    const segment = ids[row];
    // Like TensorFlow, ids outside [0, numSegments) are dropped.
    if (segment < 0 || segment >= numSegments) continue;
    const from = row * rowSize;
    const to = segment * rowSize;
    for (let i = 0; i < rowSize; i++) sums[to + i] += values[from + i];
  }
  return out;
}

/** Kernel config: UnsortedSegmentSum on wasm (a JS loop; used by gather's gradient). */
export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum,
};
