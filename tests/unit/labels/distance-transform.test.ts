// The exact Euclidean distance transform against a brute-force search over every set pixel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distanceToSet } from '../../../src/labels/distance-transform.ts';

function bruteForce(set: Uint8Array, width: number, height: number): Float32Array {
  const points: [number, number][] = [];
  for (let i = 0; i < set.length; i++) if (set[i]) points.push([i % width, Math.floor(i / width)]);
  return Float32Array.from({ length: width * height }, (_, i) => {
    const x = i % width;
    const y = Math.floor(i / width);
    return Math.min(...points.map(([px, py]) => Math.hypot(x - px, y - py)));
  });
}

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

test('matches brute force on random sets of every density, square and not', () => {
  const next = random(7);
  for (const [width, height] of [[1, 1], [1, 9], [9, 1], [13, 7], [7, 13], [24, 24]]) {
    for (const density of [0.002, 0.05, 0.3, 0.9]) {
      const set = Uint8Array.from({ length: width * height }, () => (next() < density ? 1 + Math.floor(next() * 3) : 0));
      if (!set.some((v) => v)) set[Math.floor(next() * set.length)] = 1;
      const fast = distanceToSet(set, width, height);
      const slow = bruteForce(set, width, height);
      for (let i = 0; i < set.length; i++) assert.ok(Math.abs(fast[i]! - slow[i]!) < 1e-4, `${width}×${height} density ${density} pixel ${i}: ${fast[i]} vs ${slow[i]}`);
    }
  }
});

test('is 0 on the set and exact far from a single point', () => {
  const set = new Uint8Array(300 * 200);
  set[150 * 300 + 10] = 1;
  const d = distanceToSet(set, 300, 200);
  assert.equal(d[150 * 300 + 10], 0);
  assert.ok(Math.abs(d[0]! - Math.hypot(10, 150)) < 1e-3);
  assert.ok(Math.abs(d[199 * 300 + 299]! - Math.hypot(289, 49)) < 1e-3);
});

test('is Infinity everywhere for an empty set', () => {
  const d = distanceToSet(new Uint8Array(12), 4, 3);
  assert.ok(d.every((v) => v === Infinity));
});

test('refuses values that do not match the size', () => {
  assert.throws(() => distanceToSet(new Uint8Array(10), 4, 3), /10 values for a 4×3 plane/);
});
