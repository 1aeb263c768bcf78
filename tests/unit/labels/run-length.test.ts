// Run-length coding of label planes: what goes in comes out, large regions shrink, and runs that do not cover the
// plane exactly are refused rather than read past their end.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRuns, encodeRuns } from '../../../src/labels/run-length.ts';

test('runs round-trip planes of one value, of alternating values and of runs longer than 127 and 16383', () => {
  const planes = [
    new Uint8Array(0),
    new Uint8Array(1).fill(255),
    new Uint8Array(1000).map((_, i) => i % 2),
    new Uint8Array(70_000).map((_, i) => (i < 200 ? 3 : i < 20_000 ? 255 : 7)),
    new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 29),
  ];
  for (const plane of planes) assert.deepEqual(decodeRuns(encodeRuns(plane), plane.length), plane);
});

test('a 2048² plane of strokes on unlabeled pixels codes into a few bytes per run', () => {
  const side = 2048;
  const plane = new Uint8Array(side * side).fill(255);
  for (let x = 800; x < 1200; x++) {
    plane[1024 * side + x] = 1;
    plane[200 * side + x] = 0;
  }
  const runs = encodeRuns(plane);
  // Five runs: unlabeled, class 0, unlabeled, class 1, unlabeled; each a value and up to 4 length bytes.
  assert.ok(runs.length <= 5 * 5, `${runs.length} bytes`);
  assert.deepEqual(decodeRuns(runs, plane.length), plane);
});

test('runs that hold fewer or more values than the plane, or end inside a length, are refused', () => {
  const runs = encodeRuns(new Uint8Array(300).fill(2));
  assert.throws(() => decodeRuns(runs, 301), /hold 300 values, expected 301/);
  assert.throws(() => decodeRuns(runs, 299), /more than the 299 values expected/);
  assert.throws(() => decodeRuns(runs.subarray(0, runs.length - 1), 300), /end inside a run's length/);
  assert.throws(() => decodeRuns(Uint8Array.of(1, 0), 0), /more than the 0 values expected/);
});
