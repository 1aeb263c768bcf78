// The checkerboard index against hand-computed maps: 1 for the pure pattern, 0 for maps without it, in between
// for the pattern over a ramp, and the pooled energies add.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkerboardEnergies, checkerboardIndex } from '../../../src/metrics/checkerboard.ts';

const map = (w: number, h: number, f: (x: number, y: number) => number) => Float32Array.from({ length: w * h }, (_, i) => f(i % w, Math.floor(i / w)));

test('a pure ±a checkerboard scores 1, whatever a', () => {
  for (const a of [0.5, 3]) assert.equal(checkerboardIndex(map(6, 5, (x, y) => ((x + y) % 2 ? a : -a)), 6, 5), 1);
});

test('constant, ramps and straight edges score 0; a constant map too (no variation at all)', () => {
  assert.equal(checkerboardIndex(map(4, 4, () => 0.7), 4, 4), 0);
  assert.ok(checkerboardIndex(map(5, 4, (x, y) => 0.1 * x + 0.2 * y), 5, 4) < 1e-12); // float32 rounding, no more
  assert.equal(checkerboardIndex(map(6, 6, (x) => (x < 3 ? 0 : 1)), 6, 6), 0);
  assert.equal(checkerboardIndex(map(6, 6, (_, y) => (y < 2 ? 1 : 0)), 6, 6), 0);
});

test('a checkerboard of 0.1 over a ramp of 0.2 per pixel, worked by hand', () => {
  // Every window: D = ±0.4 (the ramp cancels), D² = 0.16. Along x the ramp's 0.2 and the pattern's ±0.2 add on one
  // parity and cancel on the other: (0.4² + 0²) / 2 = 0.08 a window over a row of 4; along y only the pattern's
  // ±0.2: 0.04. Index = 0.16 / (2 · (0.08 + 0.04)) = 2/3.
  const m = map(5, 3, (x, y) => 0.2 * x + ((x + y) % 2 ? 0.1 : -0.1));
  const { pattern, gradient } = checkerboardEnergies(m, 5, 3);
  assert.ok(Math.abs(pattern - 8 * 0.16) < 1e-6, `pattern ${pattern}`);
  assert.ok(Math.abs(gradient - 8 * 0.12) < 1e-6, `gradient ${gradient}`);
  assert.ok(Math.abs(checkerboardIndex(m, 5, 3) - 2 / 3) < 1e-6);
});
