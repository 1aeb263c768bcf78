// Shape-based interpolation between labeled slices on synthetic shapes whose in-between shapes are known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/api/errors.ts';
import { UNLABELED } from '../../../src/api/types.ts';
import { interpolateSlices } from '../../../src/labels/slice-interpolation.ts';

const W = 64;
const H = 48;

/** A plane with a disc of class c (radius r, centre cx, cy), UNLABELED elsewhere (or on `base`). */
function disc(r: number, c = 1, cx = 32, cy = 24, base?: Uint8Array): Uint8Array {
  const plane = base ?? new Uint8Array(W * H).fill(UNLABELED);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - cx, y - cy) <= r) plane[y * W + x] = c;
  return plane;
}

const count = (plane: Uint8Array, c: number) => plane.reduce((n, v) => n + (v === c ? 1 : 0), 0);

test('a disc growing between two keys gives discs of the radii in between', () => {
  const planes = Array.from({ length: 10 }, () => null as Uint8Array | null);
  planes[1] = disc(4);
  planes[9] = disc(12);
  const filled = interpolateSlices(planes, W, H);
  assert.deepEqual(filled.map((f) => f.slice), [2, 3, 4, 5, 6, 7, 8]);
  for (const { slice, labels } of filled) {
    const r = 4 + (slice - 1);
    const expected = disc(r);
    let differ = 0;
    for (let i = 0; i < labels.length; i++) if (labels[i] !== expected[i]) differ++;
    // Only pixels on the rim may differ: well under one circumference.
    assert.ok(differ < 2 * Math.PI * r * 0.5, `slice ${slice}: ${differ} pixels differ from a disc of radius ${r}`);
    assert.ok(labels.every((v) => v === 1 || v === UNLABELED));
  }
  const areas = filled.map((f) => count(f.labels, 1));
  for (let i = 1; i < areas.length; i++) assert.ok(areas[i]! > areas[i - 1]!, `areas grow: ${areas}`);
});

test('a disc moving sideways (overlapping itself) is carried along at about its size', () => {
  const planes: (Uint8Array | null)[] = [disc(10, 1, 28), null, null, null, disc(10, 1, 36)];
  const filled = interpolateSlices(planes, W, H);
  for (const { slice, labels } of filled) {
    let sumX = 0;
    const n = count(labels, 1);
    labels.forEach((v, i) => v === 1 && (sumX += i % W));
    assert.ok(Math.abs(sumX / n - (28 + slice * 2)) < 0.5, `slice ${slice} centred at ${sumX / n}`);
    assert.ok(Math.abs(n - count(disc(10), 1)) < 0.1 * n, `slice ${slice} keeps its area within 10 %: ${n}`);
  }
});

test('two classes side by side each keep their side, and keys are never written', () => {
  const key = (split: number) => {
    const plane = new Uint8Array(W * H);
    for (let i = 0; i < plane.length; i++) plane[i] = i % W < split ? 0 : 2;
    return plane;
  };
  const planes: (Uint8Array | null)[] = [key(20), null, null, key(40), null, key(40)];
  const filled = interpolateSlices(planes, W, H);
  assert.deepEqual(filled.map((f) => f.slice), [1, 2, 4]);
  for (const { slice, labels } of filled) {
    const split = slice === 4 ? 40 : 20 + (20 * slice) / 3;
    for (let y = 0; y < H; y += 7) {
      for (let x = 0; x < W; x++) {
        if (Math.abs(x + 0.5 - split) < 1) continue;
        assert.equal(labels[y * W + x], x < split ? 0 : 2, `slice ${slice} (${x},${y})`);
      }
    }
  }
});

test('a class on one key only shrinks and is gone by the halfway slice', () => {
  const planes: (Uint8Array | null)[] = [disc(10, 1, 20, 24, disc(6, 2, 48)), null, null, null, null, null, null, disc(6, 2, 48)];
  const filled = interpolateSlices(planes, W, H);
  const areas = filled.map((f) => count(f.labels, 1));
  for (let i = 1; i < areas.length; i++) assert.ok(areas[i]! <= areas[i - 1]!, `shrinks: ${areas}`);
  assert.ok(areas[0]! > 0 && areas[0]! < count(disc(10), 1));
  assert.deepEqual(areas.slice(3), [0, 0, 0], `gone from slice 4 (halfway is 3.5): ${areas}`);
  for (const f of filled) assert.ok(Math.abs(count(f.labels, 2) - count(disc(6, 2), 2)) <= 4, 'the class on both keys stays');
});

test('fewer than two labeled slices, or only adjacent ones, is refused with what is needed', () => {
  assert.throws(() => interpolateSlices([null, disc(5), null, null], W, H), (e: unknown) => e instanceof UserError && /needs two labeled slices.*only slice 2 is labeled/.test(e.message));
  assert.throws(() => interpolateSlices([null, new Uint8Array(W * H).fill(UNLABELED)], W, H), (e: unknown) => e instanceof UserError && /none is labeled/.test(e.message));
  assert.throws(() => interpolateSlices([disc(5), disc(6), null], W, H), (e: unknown) => e instanceof UserError && /next to each other/.test(e.message));
});
