import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { registerCpuKernelFixes } from '../../../src/compute/cpu-kernels.ts';

test('cpu nearest up-sampling gradient is the adjoint of the forward op, for every image of a batch', async () => {
  registerCpuKernelFixes();
  await tf.setBackend('cpu');
  const x = tf.randomNormal([3, 3, 4, 2]);
  for (const [size, alignCorners, halfPixelCenters] of [[[6, 8], false, false], [[7, 9], false, true], [[5, 7], true, false]] as const) {
    const w = tf.randomNormal([3, size[0], size[1], 2]);
    const forward = (t: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(t as tf.Tensor4D, size as [number, number], alignCorners, halfPixelCenters), w));
    const g = tf.grad(forward)(x);
    // Finite differences are exact here: the op is linear, so <grad, e_i> = f(e_i) for each unit input.
    const flat = await g.data();
    for (const i of [0, 5, 24 + 7, 48 + 17, 71]) {
      const e = tf.oneHot(tf.tensor1d([i], 'int32'), 72).reshape([3, 3, 4, 2]).toFloat();
      const expected = (await forward(e).data())[0]!;
      assert.ok(Math.abs(flat[i]! - expected) < 1e-4, `${JSON.stringify(size)} align=${alignCorners} half=${halfPixelCenters}: gradient ${flat[i]} at ${i}, expected ${expected}`);
    }
  }
});
