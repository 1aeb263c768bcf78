import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DIHEDRAL, parseTtaTransforms, predictWithTta, predictWithTtaVariance } from '../../../src/inference/tta.ts';

await tf.setBackend('cpu');

// A non-square image with distinct values everywhere, so any wrong inverse shows.
const x = tf.tensor4d(Array.from({ length: 2 * 3 * 5 * 2 }, (_, i) => Math.sin(i * 1.7)), [2, 3, 5, 2]);

test('every transform is undone exactly: an equivariant predict gives back its plain prediction', () => {
  const predict = (t: tf.Tensor4D) => tf.softmax(tf.mul(t, 3)) as tf.Tensor4D; // per-pixel, so equivariant
  const plain = predict(x);
  for (const name of DIHEDRAL) {
    const y = predictWithTta(predict, x, [name]);
    assert.deepEqual(y.shape, plain.shape, name);
    assert.ok(tf.max(tf.abs(tf.sub(y, plain))).dataSync()[0] < 1e-6, `${name} is not undone`);
    y.dispose();
  }
  const { mean, variance } = predictWithTtaVariance(predict, x);
  assert.ok(tf.max(tf.abs(tf.sub(mean, plain))).dataSync()[0] < 1e-6);
  assert.ok(tf.max(variance).dataSync()[0] < 1e-6);
  tf.dispose([plain, mean, variance]);
});

test('a position-dependent predict is averaged over orientations, with variance where they disagree', () => {
  // Predicts "class 1" on the left half only: flip-h moves that to the right half, so the mean is 0.5 off-centre.
  const predict = (t: tf.Tensor4D) =>
    tf.tidy(() => {
      const [n, h, w] = t.shape;
      const left = tf.tensor1d(Array.from({ length: w }, (_, j) => (j < w / 2 - 0.5 ? 1 : j > w / 2 - 0.5 ? 0 : 0.5)));
      const p1 = tf.tile(tf.reshape(left, [1, 1, w, 1]), [n, h, 1, 1]);
      return tf.concat([tf.sub(1, p1), p1], 3) as tf.Tensor4D;
    });
  const { mean, variance } = predictWithTtaVariance(predict, x, ['identity', 'flip-h']);
  const m = mean.arraySync();
  const v = variance.arraySync();
  assert.ok(Math.abs(m[0][0][0][1] - 0.5) < 1e-6 && Math.abs(m[0][0][4][1] - 0.5) < 1e-6);
  assert.ok(Math.abs(v[0][0][0][1] - 0.25) < 1e-6);
  assert.ok(Math.abs(m[0][0][2][1] - 0.5) < 1e-6 && Math.abs(v[0][0][2][1]) < 1e-6); // the centre column agrees
  tf.dispose([mean, variance]);
});

test('no tensors leak', () => {
  const predict = (t: tf.Tensor4D) => tf.sigmoid(t) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  predictWithTta(predict, x).dispose();
  const r = predictWithTtaVariance(predict, x, ['rot90', 'rot270']);
  tf.dispose([r.mean, r.variance]);
  assert.equal(tf.memory().numTensors, before);
});

test('transform lists parse, and an unknown name lists the valid ones', () => {
  assert.equal(parseTtaTransforms('dihedral').length, 8);
  assert.deepEqual(parseTtaTransforms('identity, rot90'), ['identity', 'rot90']);
  assert.throws(() => parseTtaTransforms('rot45'), /unknown test-time transform "rot45".*flip-h/);
});
