import { test } from 'node:test';
import assert from 'node:assert/strict';
import { denseCrf, PermutohedralLattice } from '../../../src/inference/crf.ts';

test('the lattice filter approximates an exact normalised Gaussian filter', () => {
  // 300 scattered 2-D points carrying a smooth signal: lattice result vs the brute-force sum.
  let s = 17;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const n = 300;
  const features = new Float32Array(n * 2);
  const signal = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    features[i * 2] = rand() * 8;
    features[i * 2 + 1] = rand() * 8;
    signal[i] = Math.sin(features[i * 2]!) + features[i * 2 + 1]! / 4;
  }
  const lattice = new PermutohedralLattice(features, 2, n);
  const num = lattice.filter(signal, 1);
  const den = lattice.filter(new Float32Array(n).fill(1), 1);
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let en = 0, ed = 0;
    for (let j = 0; j < n; j++) {
      const dx = features[i * 2]! - features[j * 2]!;
      const dy = features[i * 2 + 1]! - features[j * 2 + 1]!;
      const k = Math.exp(-(dx * dx + dy * dy) / 2);
      en += k * signal[j]!;
      ed += k;
    }
    worst = Math.max(worst, Math.abs(num[i]! / den[i]! - en / ed));
  }
  // The signal spans about 3 units; the lattice's kernel is an approximation, not exact.
  assert.ok(worst < 0.25, `worst deviation ${worst}`);
});

/** A 48×24 image dark left of x = 28 and bright from it, with probabilities whose boundary sits blurred at x = 20. */
function edgeCase() {
  const width = 48, height = 24;
  const image = new Float32Array(width * height);
  const probs = new Float32Array(width * height * 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      image[i] = x < 28 ? 40 : 200;
      const p1 = 1 / (1 + Math.exp(-(x - 19.5) / 4));
      probs[i * 2] = 1 - p1;
      probs[i * 2 + 1] = p1;
    }
  }
  return { width, height, image, probs };
}

function boundaryColumn(probs: Float32Array, width: number, y: number): number {
  for (let x = 0; x < width; x++) if (probs[(y * width + x) * 2 + 1]! > 0.5) return x;
  return width;
}

test('the CRF snaps a blurred boundary to the image edge', () => {
  const { width, height, image, probs } = edgeCase();
  assert.equal(boundaryColumn(probs, width, 12), 20);
  const refined = denseCrf(probs, image, width, height, 2, 1);
  for (const y of [0, 12, 23]) assert.equal(boundaryColumn(refined, width, y), 28, `row ${y}`);
  for (let i = 0; i < width * height; i++) assert.ok(Math.abs(refined[i * 2]! + refined[i * 2 + 1]! - 1) < 1e-5);
});

test('without the appearance kernel the boundary stays put (the edge is what moves it)', () => {
  const { width, height, image, probs } = edgeCase();
  const refined = denseCrf(probs, image, width, height, 2, 1, { bilateralWeight: 0 });
  assert.ok(Math.abs(boundaryColumn(refined, width, 12) - 20) <= 1);
});

test('a confident speck unlike its surroundings in class but not in colour is smoothed away', () => {
  const width = 20, height = 20;
  const image = new Float32Array(width * height).fill(100);
  const probs = new Float32Array(width * height * 2);
  for (let i = 0; i < width * height; i++) probs[i * 2] = 0.9, probs[i * 2 + 1] = 0.1;
  for (const [x, y] of [[9, 9], [10, 9], [9, 10], [10, 10]]) probs[(y * width + x) * 2] = 0.3, probs[(y * width + x) * 2 + 1] = 0.7;
  const refined = denseCrf(probs, image, width, height, 2, 1);
  assert.ok(refined[(9 * width + 9) * 2]! > 0.5);
});

test('mismatched sizes are refused', () => {
  assert.throws(() => denseCrf(new Float32Array(8), new Float32Array(3), 2, 2, 2, 1), /image has 3 values/);
  assert.throws(() => denseCrf(new Float32Array(8), new Float32Array(4), 2, 2, 2, 1, { spatialSigma: 0 }), /spatialSigma must be positive/);
});
