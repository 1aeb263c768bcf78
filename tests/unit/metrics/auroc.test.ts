import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auroc } from '../../../src/metrics/auroc.ts';

test('hand-computed case with ties: each positive–negative pair counts 1 when the positive is above, ½ when tied', () => {
  // Positives 0.8, 0.5, 0.5; negatives 0.5, 0.2. Pairs: 0.8 beats both (2); each 0.5 ties 0.5 (½) and beats 0.2 (1).
  // (2 + 1.5 + 1.5) / (3 · 2) = 5/6.
  assert.equal(auroc([0.5, 0.8, 0.2, 0.5, 0.5], [1, 1, 0, 0, 1]), 5 / 6);
});

test('perfect, inverted and all-tied scores give 1, 0 and ½', () => {
  assert.equal(auroc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
  assert.equal(auroc([1, 2, 3, 4], [1, 1, 0, 0]), 0);
  assert.equal(auroc([7, 7, 7, 7], [1, 0, 1, 0]), 0.5);
});

test('undefined without positives or without negatives; mismatched lengths refused', () => {
  assert.equal(auroc([1, 2], [0, 0]), null);
  assert.equal(auroc([1, 2], [true, true]), null);
  assert.throws(() => auroc([1, 2, 3], [1, 0]), /3 scores but 2 truth values/);
});
