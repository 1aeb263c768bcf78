// Sum for wasm, fast path for reductions over the leading axes, e.g. a bias or batch-norm gradient (sum of
// [B, H, W, C] over B, H, W). The native kernel first transposes the reduced axes innermost (a full copy of
// the tensor), then reduces; this path adds rows into per-channel accumulators in one pass over the heap.
// Every other reduction goes to the native kernel.
import * as tf from '@tensorflow/tfjs';
import { requireInput, wasmHeap, type KernelArgs } from './kernel-scope.ts';

/** How many leading axes `axis` reduces (0 when it is not exactly a non-empty, proper leading prefix). */
function leadingAxes(axis: number | number[], rank: number): number {
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  return axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i) ? axes.length : 0;
}

/** Sum over leading axes of a float32 tensor; null for anything else (the native kernel does it). */
export function sumLeadingAxes(args: KernelArgs): tf.TensorInfo | null {
  const x = requireInput(args, 'Sum', 'x');
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const prefix = x.dtype === 'float32' ? leadingAxes(axis, x.shape.length) : 0;
  if (prefix === 0) return null;
  const backend = wasmHeap(args);
  const kept = x.shape.slice(prefix);
  const rows = x.shape.slice(0, prefix).reduce((a, b) => a * b, 1);
  const width = kept.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, prefix).map(() => 1), ...kept] : kept, 'float32');
  const values = backend.typedArrayFromHeap(x) as Float32Array;
  // Float64 accumulators: hundreds of thousands of float32 additions per channel would lose digits.
  const totals = new Float64Array(width);
  for (let row = 0, offset = 0; row < rows; row++, offset += width) {
    for (let i = 0; i < width; i++) totals[i]! += values[offset + i]!;
  }
  (backend.typedArrayFromHeap(out) as Float32Array).set(totals);
  return out;
}
