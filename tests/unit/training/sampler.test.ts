import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dihedral, type Patch } from '../../../src/training/augment.ts';
import { classCounts, computeNormalisation, medianFrequencyWeights } from '../../../src/training/dataset.ts';
import { Rng } from '../../../src/training/rng.ts';
import { PatchSampler, extractPatch } from '../../../src/training/sampler.ts';
import type { LabeledImage } from '../../../src/training/dataset.ts';

function image(width: number, height: number, mask: Uint8Array): LabeledImage {
  const data = new Float32Array(width * height).map((_, i) => i);
  return { name: 'x', imagePath: 'x.png', maskPath: 'x.png', width, height, bands: 1, image: data, mask };
}

test('sparse labels: every sampled patch holds a labeled pixel', () => {
  const mask = new Uint8Array(100 * 100).fill(255);
  mask[57 * 100 + 33] = 1; // one labeled pixel in 10,000
  const sampler = new PatchSampler([image(100, 100, mask)], 16, { mean: [0], std: [1] }, new Rng(3), true);
  for (let i = 0; i < 20; i++) {
    const batch = sampler.nextBatch(2);
    for (let b = 0; b < 2; b++) assert.ok(batch.masks.subarray(b * 256, (b + 1) * 256).some((v) => v !== 255), `patch ${i}/${b} is empty`);
  }
});

test('the same seed gives the same batches', () => {
  const mask = new Uint8Array(64 * 64).map((_, i) => i % 3);
  const a = new PatchSampler([image(64, 64, mask)], 16, { mean: [0], std: [1] }, new Rng(9), true).nextBatch(3);
  const b = new PatchSampler([image(64, 64, mask)], 16, { mean: [0], std: [1] }, new Rng(9), true).nextBatch(3);
  assert.deepEqual(a.images, b.images);
  assert.deepEqual(a.masks, b.masks);
});

test('patches beyond the image border are unlabeled and at the band mean', () => {
  const mask = new Uint8Array(4 * 4).fill(1);
  const patch = extractPatch(image(4, 4, mask), 2, 2, 4, 4, { mean: [5], std: [2] });
  assert.equal(patch.mask[0], 1); // (2,2) inside
  assert.equal(patch.mask[3], 255); // (5,2) outside
  assert.equal(patch.image[3], 0);
  assert.equal(patch.image[0], (10 - 5) / 2); // value 10 at (2,2), normalised
});

test('dihedral transforms move image and mask together, and 4 rotations are the identity', () => {
  const size = 3;
  const patch: Patch = { size, bands: 1, image: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]), mask: Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]) };
  const original = Array.from(patch.image);
  dihedral(patch, 1);
  assert.deepEqual(Array.from(patch.image), Array.from(patch.mask));
  assert.notDeepEqual(Array.from(patch.image), original);
  for (let i = 0; i < 3; i++) dihedral(patch, 1);
  assert.deepEqual(Array.from(patch.image), original);
  dihedral(patch, 4); // horizontal flip
  assert.deepEqual(Array.from(patch.image), [2, 1, 0, 5, 4, 3, 8, 7, 6]);
});

test('normalisation and median-frequency weights', () => {
  const norm = computeNormalisation([{ bands: 2, image: Float32Array.from([0, 10, 2, 10, 4, 10]) }]);
  assert.deepEqual(norm.mean, [2, 10]);
  assert.ok(Math.abs(norm.std[0]! - Math.sqrt(8 / 3)) < 1e-9);
  assert.equal(norm.std[1], 1); // constant band: std 1, not 0
  const counts = classCounts([Uint8Array.from([0, 0, 0, 1, 255, 2, 2])], 4);
  assert.deepEqual(counts, [3, 1, 2, 0]);
  const w = medianFrequencyWeights(counts);
  assert.equal(w[2], 1); // the median class
  assert.ok(w[1]! > 1 && w[0]! < 1);
  assert.equal(w[3], 0);
});
