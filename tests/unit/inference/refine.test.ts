import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { refinedPredictor, refineImage } from '../../../src/inference/refine.ts';

test('test-time augmentation of a predictor that ignores orientation changes nothing; of one that does, it averages', async () => {
  await tf.setBackend('cpu');
  const x = tf.tensor4d(Float32Array.from({ length: 16 }, (_, i) => i / 16), [1, 4, 4, 1]);
  const constant = (t: tf.Tensor4D) => tf.concat([tf.onesLike(t).mul(0.25), tf.onesLike(t).mul(0.75)], 3) as tf.Tensor4D;
  const same = await refinedPredictor(constant, { tta: ['identity', 'flip-h', 'rot90'] })(x).data();
  assert.ok(Array.from(same).every((v, i) => Math.abs(v - (i % 2 ? 0.75 : 0.25)) < 1e-6));
  // A "model" that scores class 1 by column position: flips average it towards 0.5 everywhere.
  const positional = (t: tf.Tensor4D) => {
    const col = tf.tile(tf.range(0, t.shape[2]).div(t.shape[2] - 1).reshape([1, 1, t.shape[2], 1]), [t.shape[0], t.shape[1], 1, 1]) as tf.Tensor4D;
    return tf.concat([tf.sub(1, col), col], 3) as tf.Tensor4D;
  };
  const averaged = await refinedPredictor(positional, { tta: ['identity', 'flip-h'] })(x).data();
  assert.ok(Array.from(averaged).every((v) => Math.abs(v - 0.5) < 1e-6));
});

test('island removal and the CRF act on the whole image result', () => {
  const width = 12;
  const height = 12;
  // Class 0 everywhere with a single confident class-1 pixel (a speck).
  const probs = new Float32Array(width * height * 2);
  for (let i = 0; i < width * height; i++) [probs[i * 2], probs[i * 2 + 1]] = [0.9, 0.1];
  probs[(5 * width + 5) * 2] = 0.2;
  probs[(5 * width + 5) * 2 + 1] = 0.8;
  const image = new Float32Array(width * height).fill(100);
  const norm = { mean: [100], std: [10] };
  const plain = refineImage(probs, image, width, height, 2, norm, {});
  assert.equal(plain.mask[5 * width + 5], 1);
  const cleaned = refineImage(probs, image, width, height, 2, norm, { minIsland: 2 });
  assert.equal(cleaned.mask[5 * width + 5], 0);
  // On a flat image the CRF's smoothness outweighs one pixel's evidence.
  const crf = refineImage(probs, image, width, height, 2, norm, { crf: {} });
  assert.equal(crf.mask[5 * width + 5], 0);
  assert.ok(crf.probs.every((p) => p >= 0 && p <= 1));
});
