// The fast paths put in front of native wasm kernels (Sum over leading axes, Tile of a per-channel vector, nearest
// up-sampling's gradient, Identity and same-dtype Cast as views) give what cpu gives, and the cases they leave to
// the native kernel still work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/compute/backends.ts';
import { assertClose, onBackend, seeded } from './gradient-helpers.ts';

await initBackend('wasm');

async function sameOnBothBackends(what: string, compute: () => tf.Tensor[], tolerance = 1e-5): Promise<void> {
  const cpu = await onBackend('cpu', compute);
  const wasm = await onBackend('wasm', compute);
  cpu.forEach((expected, i) => assertClose(wasm[i]!, expected, tolerance, `${what} #${i}`));
}

test('Sum over leading axes (bias gradient shape) matches cpu, with and without keepDims', async () => {
  await sameOnBothBackends('sum', () => {
    const x = seeded([3, 17, 19, 5], 1);
    return [tf.sum(x, [0, 1, 2]), tf.sum(x, [0, 1, 2], true), tf.sum(x, 0), tf.sum(x, [1, 0]), tf.sum(x, [-4, -3])];
  });
});

test('Sum keeps its shapes and the native path for other axes and int32', async () => {
  await initBackend('wasm');
  const x = seeded([2, 3, 4], 2);
  assert.deepEqual(tf.sum(x, [0, 1], true).shape, [1, 1, 4]);
  assert.deepEqual(tf.sum(x, [0, 1]).shape, [4]);
  await sameOnBothBackends('sum (native)', () => {
    const y = seeded([2, 3, 4], 3);
    return [tf.sum(y), tf.sum(y, [1, 2]), tf.sum(y, [0, 2]), tf.sum(y, -1)];
  });
  const ints = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32');
  assert.deepEqual(Array.from(tf.sum(ints, [0, 1]).dataSync()), [16, 20]);
  tf.dispose([x, ints]);
});

test('Tile of a per-channel vector (batch-norm gradient shape) matches cpu; other tiles go native', async () => {
  await sameOnBothBackends('tile', () => {
    const vector = seeded([1, 1, 1, 7], 4);
    const other = seeded([2, 1, 3], 5);
    return [tf.tile(vector, [3, 5, 9, 1]), tf.tile(seeded([5], 6), [1]), tf.tile(seeded([1, 1], 7), [4, 1]), tf.tile(other, [2, 3, 1]), tf.tile(vector, [1, 1, 1, 2])];
  });
  const ints = tf.tile(tf.tensor2d([1, 2, 3], [1, 3], 'int32'), [3, 1]);
  assert.deepEqual(Array.from(ints.dataSync()), [1, 2, 3, 1, 2, 3, 1, 2, 3]);
  assert.deepEqual(tf.tile(seeded([1, 4], 8), [0, 1]).shape, [0, 4]);
});

/** The gradient of nearest resizing (no corner alignment, no half-pixel centres) by its definition. */
function nearestGradReference(dy: tf.Tensor4D, inH: number, inW: number): Float32Array {
  const [b, outH, outW, c] = dy.shape;
  const values = dy.dataSync();
  const grad = new Float32Array(b * inH * inW * c);
  for (let n = 0; n < b; n++) {
    for (let y = 0; y < outH; y++) {
      const sy = Math.min(Math.floor((y * inH) / outH), inH - 1);
      for (let x = 0; x < outW; x++) {
        const sx = Math.min(Math.floor((x * inW) / outW), inW - 1);
        for (let k = 0; k < c; k++) grad[((n * inH + sy) * inW + sx) * c + k]! += values[((n * outH + y) * outW + x) * c + k]!;
      }
    }
  }
  return grad;
}

test('the gradient of nearest up-sampling is each block\'s sum on wasm, for every image of the batch', async () => {
  await initBackend('wasm');
  // tfjs's cpu kernel gets images after the first wrong (batch offset), so the reference is the definition.
  for (const size of [[12, 10], [18, 10], [9, 7]] as Array<[number, number]>) {
    const x = seeded([2, 6, 5, 3], 4) as tf.Tensor4D;
    const weights = seeded([2, size[0], size[1], 3], 5) as tf.Tensor4D;
    const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, size), weights)))(x);
    assertClose(grad.dataSync() as Float32Array, nearestGradReference(weights, 6, 5), 1e-5, `up-sampling to ${size}`);
    tf.dispose([x, weights, grad]);
  }
});

test('align-corners nearest resizing still differentiates (native kernel) as on cpu for one image', async () => {
  await sameOnBothBackends('align corners', () => {
    const x = seeded([1, 6, 5, 3], 6) as tf.Tensor4D;
    const weights = seeded([1, 12, 10, 3], 7);
    return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [12, 10], true), weights)))(x)];
  });
});

test('clone and same-dtype cast share the buffer, outlive their source, and real casts still convert', async () => {
  await initBackend('wasm');
  const offset = (t: tf.Tensor) => (tf.backend() as unknown as { getMemoryOffset(id: tf.DataId): number }).getMemoryOffset(t.dataId);
  const x = tf.tensor1d([1.5, -2.25, 3]);
  const copy = tf.clone(x);
  const same = tf.cast(x, 'float32');
  assert.equal(offset(copy), offset(x), 'clone is a view');
  assert.equal(offset(same), offset(x), 'float32 → float32 is a view');
  x.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1.5, -2.25, 3], 'the view keeps the buffer alive');
  same.dispose();
  assert.deepEqual(Array.from(copy.dataSync()), [1.5, -2.25, 3]);
  const ints = tf.cast(copy, 'int32');
  assert.notEqual(offset(ints), offset(copy));
  assert.deepEqual([ints.dtype, ...ints.dataSync()], ['int32', 1, -2, 3]);
  tf.dispose([copy, ints]);
});
