import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { segmentationLoss } from '../../../src/training/losses.ts';

test('cross-entropy over labeled pixels equals the hand-computed mean of -log p(true class)', async () => {
  await tf.setBackend('cpu');
  // 1×1×3 pixels, 2 classes; the middle pixel is unlabeled.
  const probs = tf.tensor4d([0.8, 0.2, 0.1, 0.9, 0.3, 0.7], [1, 1, 3, 2]);
  const labels = tf.tensor3d([0, 255, 1], [1, 1, 3], 'int32');
  const loss = segmentationLoss(probs, labels, { numClasses: 2, diceWeight: 0 });
  const expected = -(Math.log(0.8) + Math.log(0.7)) / 2;
  assert.ok(Math.abs((await loss.data())[0]! - expected) < 1e-6);
});

test('unlabeled pixels get no gradient, labeled ones do', async () => {
  await tf.setBackend('cpu');
  const logits = tf.tensor4d([0.2, -0.1, 1.5, 0.3, -0.7, 0.4], [1, 1, 3, 2]);
  const labels = tf.tensor3d([0, 255, 1], [1, 1, 3], 'int32');
  const grad = tf.grad((x: tf.Tensor) => segmentationLoss(tf.softmax(x) as tf.Tensor4D, labels, { numClasses: 2, diceWeight: 0.5 }))(logits);
  const g = await grad.data();
  assert.equal(g[2], 0);
  assert.equal(g[3], 0);
  assert.notEqual(g[0], 0);
  assert.notEqual(g[5], 0);
});

test('class weights scale the cross-entropy of their pixels', async () => {
  await tf.setBackend('cpu');
  const probs = tf.tensor4d([0.8, 0.2, 0.3, 0.7], [1, 1, 2, 2]);
  const labels = tf.tensor3d([0, 1], [1, 1, 2], 'int32');
  const loss = await segmentationLoss(probs, labels, { numClasses: 2, diceWeight: 0, classWeights: [1, 3] }).data();
  const expected = -(Math.log(0.8) + 3 * Math.log(0.7)) / 4;
  assert.ok(Math.abs(loss[0]! - expected) < 1e-6);
});

test('a batch with no labeled pixel has loss 0', async () => {
  await tf.setBackend('cpu');
  const probs = tf.tensor4d([0.5, 0.5, 0.5, 0.5], [1, 1, 2, 2]);
  const labels = tf.tensor3d([255, 255], [1, 1, 2], 'int32');
  const loss = await segmentationLoss(probs, labels, { numClasses: 2, diceWeight: 1 }).data();
  assert.ok(Math.abs(loss[0]!) < 1e-6);
});
