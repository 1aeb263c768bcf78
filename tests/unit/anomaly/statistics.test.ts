import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAnomalySettings, SCALE_BYTE } from '../../../src/anomaly/settings.ts';
import { gaussianKernel, gaussianSmooth } from '../../../src/anomaly/smoothing.ts';
import { imageScore, mapToBytes, percentile, topShareMean } from '../../../src/anomaly/statistics.ts';
import { pasteRegion } from '../../../src/anomaly/paste.ts';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual}, expected ${expected}`);

test('percentile interpolates between the closest ranks', () => {
  const values = Float32Array.from([4, 1, 3, 2, 5]);
  close(percentile(values, 0), 1, 'p0');
  close(percentile(values, 50), 3, 'p50');
  close(percentile(values, 90), 4.6, 'p90'); // rank 3.6 of 0..4: 4 + 0.6 · (5 − 4)
  close(percentile(values, 100), 5, 'p100');
  assert.throws(() => percentile(new Float32Array(0), 50), /no values/);
});

test('the score is the mean of the top 1 % of the map over the normal scale', () => {
  // 200 pixels: the top 1 % is the 2 largest, 9 and 7; mean 8; the normal scale 2 makes the score 4.
  const map = new Float32Array(200).fill(1);
  map[17] = 9;
  map[150] = 7;
  close(topShareMean(map, 0.01), 8, 'top 1 %');
  close(imageScore(map, 2), 4, 'score');
  // Fewer than 100 pixels: still the single largest.
  close(topShareMean(Float32Array.from([1, 5, 2]), 0.01), 5, 'top of 3');
});

test('bytes share one scale: the normal scale is 128, twice it or more 255, zero 0', () => {
  assert.deepEqual([...mapToBytes(Float32Array.from([0, 0.5, 1, 2, 10]), 0.5)], [0, SCALE_BYTE, 255, 255, 255]);
  assert.deepEqual([...mapToBytes(Float32Array.from([0.25, 0.75]), 1)], [32, 96]);
});

test('smoothing keeps the total of a point inside the image, spreads it by σ, and keeps constant maps constant', () => {
  const kernel = gaussianKernel(2);
  assert.equal(kernel.length, 13);
  close(kernel.reduce((a, b) => a + b, 0), 1, 'kernel sum');
  const [w, h] = [41, 41];
  const point = new Float32Array(w * h);
  point[20 * w + 20] = 1;
  const smooth = gaussianSmooth(point, w, h, 2);
  close(smooth.reduce((a, b) => a + b, 0), 1, 'total');
  // The variance along x of the smoothed point is σ².
  let variance = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) variance += smooth[y * w + x]! * (x - 20) ** 2;
  assert.ok(Math.abs(variance - 4) < 0.05, `variance ${variance}`);
  // Renormalised at the borders: a constant stays constant right up to the edge.
  const constant = gaussianSmooth(new Float32Array(w * h).fill(3), w, h, 5);
  for (const v of constant) close(v, 3, 'constant');
  assert.deepEqual([...gaussianSmooth(Float32Array.from([1, 2, 3, 4]), 2, 2, 0)], [1, 2, 3, 4]);
});

test('settings out of range are refused with the valid range', () => {
  assert.throws(() => checkAnomalySettings({ beta: -1, sigma: 4 }), /anomaly beta must be in \[0, 1000\], got -1/);
  assert.throws(() => checkAnomalySettings({ beta: 0.1, sigma: 100 }), /anomaly sigma must be in \[0, 64\], got 100/);
  assert.throws(() => checkAnomalySettings({ beta: NaN, sigma: 4 }), /anomaly beta/);
  checkAnomalySettings({ beta: 0, sigma: 0 });
});

test('a pasted patch lands at its place, and the truth marks exactly its pixels', () => {
  const target = { width: 4, height: 3, bands: 1, data: new Float32Array(12) };
  const patch = { width: 2, height: 2, bands: 1, data: Float32Array.from([1, 2, 3, 4]) };
  const { image, truth } = pasteRegion(target, patch, 1, 1);
  assert.deepEqual([...image.data], [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0]);
  assert.deepEqual([...truth], [0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0]);
  assert.equal(target.data[5], 0, 'the target is not changed');
  assert.throws(() => pasteRegion(target, patch, 3, 0), /does not fit in 4×3/);
});
