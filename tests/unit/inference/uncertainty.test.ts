import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  marginUncertainty,
  normalisedEntropy,
  SampleVariance,
  sampleVariance,
  uncertaintyScore,
} from '../../../src/inference/uncertainty.ts';

// Three pixels of three classes: certain, uniform, a two-way tie.
const probs = new Float32Array([1, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0.5, 0.5, 0]);

test('normalised entropy is 0 for a certain pixel, 1 for a uniform one, log2/log3 for a two-way tie', () => {
  const h = normalisedEntropy(probs, 3);
  assert.equal(h.length, 3);
  assert.ok(Math.abs(h[0]) < 1e-6);
  assert.ok(Math.abs(h[1] - 1) < 1e-6);
  assert.ok(Math.abs(h[2] - Math.log(2) / Math.log(3)) < 1e-6);
});

test('margin is 1 − (p1 − p2): 0 when certain, 1 on a tie', () => {
  const m = marginUncertainty(probs, 3);
  assert.ok(Math.abs(m[0] - 0) < 1e-6);
  assert.ok(Math.abs(m[1] - 1) < 1e-6);
  assert.ok(Math.abs(m[2] - 1) < 1e-6);
  const skewed = marginUncertainty(new Float32Array([0.1, 0.7, 0.2]), 3);
  assert.ok(Math.abs(skewed[0] - 0.5) < 1e-6);
});

test('the image score is the mean normalised entropy', () => {
  const expected = (0 + 1 + Math.log(2) / Math.log(3)) / 3;
  assert.ok(Math.abs(uncertaintyScore(probs, 3) - expected) < 1e-6);
});

test('sample variance is zero for identical samples and matches the hand computation otherwise', () => {
  assert.deepEqual([...sampleVariance([probs, probs], 3)], [0, 0, 0]);
  // One pixel, two classes, samples (1,0) and (0,1): variance 0.25 per class.
  const v = sampleVariance([new Float32Array([1, 0]), new Float32Array([0, 1])], 2);
  assert.ok(Math.abs(v[0] - 0.25) < 1e-9);
  const acc = new SampleVariance(1, 2);
  acc.add(new Float32Array([0.2, 0.8]));
  acc.add(new Float32Array([0.6, 0.4]));
  assert.equal(acc.samples, 2);
  const mean = acc.meanProbabilities();
  assert.ok(Math.abs(mean[0] - 0.4) < 1e-6 && Math.abs(mean[1] - 0.6) < 1e-6);
  assert.ok(Math.abs(acc.perPixelVariance()[0] - 0.04) < 1e-6);
});

test('bad shapes fail with a clear message', () => {
  assert.throws(() => normalisedEntropy(new Float32Array(5), 2), /not a whole number/);
  assert.throws(() => marginUncertainty(probs, 1), /numClasses/);
  assert.throws(() => new SampleVariance(2, 2).add(new Float32Array(3)), /expected 4/);
});
