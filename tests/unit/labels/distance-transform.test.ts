// The exact Euclidean distance transform against brute force on a random set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distanceToSet } from '../../../src/labels/distance-transform.ts';
import { Rng } from '../../../src/training/rng.ts';

test('distanceToSet is the exact Euclidean distance to the nearest set pixel', () => {
  const [width, height] = [37, 23];
  const rng = new Rng(4);
  const set = Uint8Array.from({ length: width * height }, () => (rng.next() < 0.02 ? 1 : 0));
  const points = [...set.keys()].filter((i) => set[i]);
  const distance = distanceToSet(set, width, height);
  for (let i = 0; i < set.length; i++) {
    const [x, y] = [i % width, Math.floor(i / width)];
    const expected = Math.min(...points.map((p) => Math.hypot((p % width) - x, Math.floor(p / width) - y)));
    assert.ok(Math.abs(distance[i]! - expected) < 1e-5, `(${x}, ${y}): ${distance[i]} vs ${expected}`);
  }
});

test('an empty set is infinitely far', () => {
  assert.ok(distanceToSet(new Uint8Array(12), 4, 3).every((d) => d === Infinity));
});
