import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refinedPredictor, refineImage } from '../../../src/inference/refine.ts';
import type { TileBatch, TilePredictor } from '../../../src/inference/tiler.ts';

test('test-time augmentation of a predictor that ignores orientation changes nothing; of one that does, it averages', async () => {
  const x: TileBatch = { data: Float32Array.from({ length: 16 }, (_, i) => i / 16), count: 1, height: 4, width: 4, channels: 1 };
  const twoClasses = (t: TileBatch, p1: (col: number) => number): TileBatch => {
    const data = new Float32Array(t.count * t.height * t.width * 2);
    for (let p = 0; p < data.length / 2; p++) [data[p * 2], data[p * 2 + 1]] = [1 - p1(p % t.width), p1(p % t.width)];
    return { ...t, channels: 2, data };
  };
  const constant: TilePredictor = async (t) => twoClasses(t, () => 0.75);
  const same = await refinedPredictor(constant, { tta: ['identity', 'flip-h', 'rot90'] })(x);
  assert.ok(Array.from(same.data).every((v, i) => Math.abs(v - (i % 2 ? 0.75 : 0.25)) < 1e-6));
  // A "model" that scores class 1 by column position: flips average it towards 0.5 everywhere.
  const positional: TilePredictor = async (t) => twoClasses(t, (col) => col / (t.width - 1));
  const averaged = await refinedPredictor(positional, { tta: ['identity', 'flip-h'] })(x);
  assert.ok(Array.from(averaged.data).every((v) => Math.abs(v - 0.5) < 1e-6));
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
