// Label morphology on small hand-made planes and volumes: each operation's promise, that a class never spills over
// another one, and the refusals of bad requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, UserError } from '../../../src/api/errors.ts';
import { UNLABELED } from '../../../src/api/types.ts';
import { distanceToSetVolume } from '../../../src/labels/distance-transform.ts';
import { applyMorphology, type MorphologyRequest } from '../../../src/labels/morphology.ts';
import { fromRows, toRows } from '../../helpers/label-rows.ts';

const _ = UNLABELED;

function run(picture: string[], request: MorphologyRequest, numClasses = 3): string[] {
  const { mask, width, height } = fromRows(picture);
  return toRows(applyMorphology(mask, { width, height }, numClasses, request).labels, width);
}

function disc(size: number, radius: number, value = 1): Uint8Array {
  const out = new Uint8Array(size * size).fill(_);
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (Math.hypot(x - c, y - c) <= radius) out[y * size + x] = value;
  return out;
}

function count(labels: Uint8Array, value: number): number {
  let n = 0;
  for (const v of labels) if (v === value) n++;
  return n;
}

test('fill holes fills the unlabeled hole inside a ring, not the open bay at the edge', () => {
  const picture = [
    '........',
    '.11111..',
    '.1...1..',
    '.1...1..',
    '.11111..',
    '........',
    '111.....',
    '1.1.....',
  ];
  assert.deepEqual(run(picture, { operation: 'fill-holes', classIndex: 1 }), [
    '........',
    '.11111..',
    '.11111..',
    '.11111..',
    '.11111..',
    '........',
    '111.....',
    '1.1.....',
  ]);
});

test('fill holes leaves another class inside the hole alone unless overwrite is asked for', () => {
  const picture = ['.....', '.111.', '.121.', '.1.1.', '.111.'];
  assert.deepEqual(run(picture, { operation: 'fill-holes', classIndex: 1 }), ['.....', '.111.', '.121.', '.111.', '.111.']);
  assert.deepEqual(run(picture, { operation: 'fill-holes', classIndex: 1, overwrite: true }), ['.....', '.111.', '.111.', '.111.', '.111.']);
});

test('a diagonal gap still closes a hole: the class connects through corners, the background only through edges', () => {
  const picture = ['......', '..1...', '.1.1..', '..1...', '......'];
  assert.deepEqual(run(picture, { operation: 'fill-holes', classIndex: 1 }), ['......', '..1...', '.111..', '..1...', '......']);
});

test('remove islands takes away regions smaller than N pixels of the chosen class only', () => {
  const picture = [
    '111....2',
    '111.....',
    '111...1.',
    '........',
    '.11...22',
  ];
  assert.deepEqual(run(picture, { operation: 'remove-islands', classIndex: 1, minSize: 3 }), [
    '111....2',
    '111.....',
    '111.....',
    '........',
    '........',
  ].map((row, y) => (y === 4 ? '......22' : row)));
  // N = 1 keeps everything.
  assert.deepEqual(run(picture, { operation: 'remove-islands', classIndex: 1, minSize: 1 }), picture);
});

test('keep largest component leaves only the biggest region of the class', () => {
  const picture = ['11..1', '11...', '.....', '1.222', '...22'];
  assert.deepEqual(run(picture, { operation: 'keep-largest', classIndex: 1 }), ['11...', '11...', '.....', '..222', '...22']);
});

test('grow by 2 turns a disc of radius 5 into the disc of radius 7', () => {
  const size = 31;
  const grown = applyMorphology(disc(size, 5), { width: size, height: size }, 2, { operation: 'grow', classIndex: 1, radius: 2 }).labels;
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c);
      const v = grown[y * size + x];
      if (d > 7) assert.equal(v, _, `(${x}, ${y}) at ${d.toFixed(2)} lies outside radius 7`);
      // The grid's disc of radius 5 reaches 5 only along its axes, so its grown border may fall short of 7 by
      // the grid's half-diagonal; nothing within 6.3 is missed.
      if (d <= 6.3) assert.equal(v, 1, `(${x}, ${y}) at ${d.toFixed(2)} lies inside radius 7`);
    }
  }
  const expected = count(disc(size, 7), 1);
  assert.ok(Math.abs(count(grown, 1) - expected) <= 0.05 * expected, `${count(grown, 1)} pixels against ${expected} in the disc of radius 7`);
});

test('shrink by 2 turns a disc of radius 7 into the disc of radius 5, and the shrunk pixels become unlabeled', () => {
  const size = 31;
  const shrunk = applyMorphology(disc(size, 7), { width: size, height: size }, 2, { operation: 'shrink', classIndex: 1, radius: 2 });
  assert.deepEqual(shrunk.labels, disc(size, 5));
  assert.equal(shrunk.removed, count(disc(size, 7), 1) - count(disc(size, 5), 1));
});

test('a class never spills over another class: grow only takes unlabeled pixels unless overwrite', () => {
  const picture = ['......', '..1...', '......', '222222'];
  // Within Euclidean distance 2 of (2, 1); the 2 below it is within reach too.
  assert.deepEqual(run(picture, { operation: 'grow', classIndex: 1, radius: 2 }), ['.111..', '11111.', '.111..', '222222']);
  assert.deepEqual(run(picture, { operation: 'grow', classIndex: 1, radius: 2, overwrite: true }), ['.111..', '11111.', '.111..', '221222']);
});

test('closing fills a one-pixel notch; opening removes a thin spur; median smooths a ragged edge', () => {
  const notch = ['.......', '.11111.', '.11.11.', '.11111.', '.......'];
  assert.deepEqual(run(notch, { operation: 'close', classIndex: 1, radius: 1 }), ['.......', '.11111.', '.11111.', '.11111.', '.......']);
  const spur = ['..........', '.11111....', '.11111....', '.111111111', '.11111....', '.11111....', '..........'];
  const opened = run(spur, { operation: 'open', classIndex: 1, radius: 1 });
  assert.equal(opened[3], '.111111...', 'the one-pixel spur is gone but for its root, the block\'s middle row stays');
  assert.equal(opened[1], '..111.....', 'a disc of radius 1 rounds the block\'s corners');
  const ragged = ['.......', '.1111..', '.11111.', '.1111..', '.......'];
  const smoothed = run(ragged, { operation: 'median', classIndex: 1, radius: 1 });
  assert.equal(smoothed[2][5], '.', 'the lone pixel sticking out loses the vote of its 3×3 window');
  assert.equal(smoothed[2][3], '1', 'the inside stays');
});

test('morphology works on volumes: a hole closed in 3D is filled, and grow reaches into the next slices', () => {
  const width = 5, height = 5, depth = 5;
  const labels = new Uint8Array(width * height * depth).fill(_);
  // A hollow 3×3×3 cube with its centre unlabeled.
  for (let z = 1; z <= 3; z++) for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) labels[z * 25 + y * 5 + x] = 1;
  labels[2 * 25 + 2 * 5 + 2] = _;
  const filled = applyMorphology(labels, { width, height, depth }, 2, { operation: 'fill-holes', classIndex: 1 });
  assert.equal(filled.added, 1);
  assert.equal(filled.labels[2 * 25 + 2 * 5 + 2], 1);
  const grown = applyMorphology(filled.labels, { width, height, depth }, 2, { operation: 'grow', classIndex: 1, radius: 1 }).labels;
  assert.equal(grown[0 * 25 + 2 * 5 + 2], 1, 'the slice below the cube gets its face');
  assert.equal(grown[0 * 25 + 1 * 5 + 1], 1, 'below the cube\'s corner voxel');
  assert.equal(grown[0], _, 'but not the corner beyond it, at √3 from the cube');
});

test('the volume distance transform equals brute force', () => {
  const width = 7, height = 5, depth = 4;
  const set = new Uint8Array(width * height * depth);
  for (const i of [3, 40, 77, 139]) set[i] = 1;
  const distance = distanceToSetVolume(set, width, height, depth);
  const at = (i: number) => [i % width, Math.floor(i / width) % height, Math.floor(i / (width * height))];
  for (let i = 0; i < set.length; i++) {
    const [x, y, z] = at(i);
    let best = Infinity;
    for (let j = 0; j < set.length; j++) if (set[j]) best = Math.min(best, Math.hypot(x - at(j)[0], y - at(j)[1], z - at(j)[2]));
    assert.ok(Math.abs(distance[i] - best) < 1e-5, `voxel ${i}: ${distance[i]} against ${best}`);
  }
  assert.equal(distanceToSetVolume(new Uint8Array(8), 2, 2, 2)[0], Infinity);
});

test('bad requests are refused with the argument and its valid range, and nothing changes', () => {
  const { mask: labels, width, height } = fromRows(['.1.', '111', '.1.']);
  const before = Uint8Array.from(labels);
  const refuses = (request: MorphologyRequest, argument: string, pattern: RegExp) =>
    assert.throws(() => applyMorphology(labels, { width, height }, 3, request), (e: unknown) => {
      assert.ok(e instanceof ArgumentError && e instanceof UserError);
      assert.equal(e.argument, argument);
      assert.match(e.message, pattern);
      return true;
    });
  refuses({ operation: 'grow', classIndex: 1, radius: -1 }, 'radius', /1 or more, got -1/);
  refuses({ operation: 'median', classIndex: 1, radius: 1.5 }, 'radius', /whole number/);
  refuses({ operation: 'open', classIndex: 1 }, 'radius', /got undefined/);
  refuses({ operation: 'remove-islands', classIndex: 1, minSize: 0 }, 'minSize', /1 or more, got 0/);
  refuses({ operation: 'fill-holes', classIndex: 3 }, 'class', /from 0 to 2, got 3/);
  refuses({ operation: 'fill-holes', classIndex: -1 }, 'class', /from 0 to 2, got -1/);
  refuses({ operation: 'dilate' as never, classIndex: 1 }, 'operation', /one of median, open, close/);
  assert.deepEqual(labels, before);
});

test('working on the class\'s bounding box only gives the same result as on the whole plane', () => {
  // Random blobs of three classes in the middle of a 64² plane; one far pixel of class 1 in a corner widens the
  // class's bounding box to nearly the whole plane, so the two runs differ only in the box they work on.
  const side = 64;
  let seed = 3;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const labels = new Uint8Array(side * side).fill(_);
  for (let y = 24; y < 40; y++) for (let x = 20; x < 44; x++) if (random() < 0.6) labels[y * side + x] = Math.floor(random() * 3);
  const widened = Uint8Array.from(labels);
  widened[side * side - 1] = 1;
  const nearCorner = (i: number) => i % side > 50 && Math.floor(i / side) > 50;
  for (const operation of ['median', 'open', 'close', 'grow', 'shrink', 'fill-holes', 'remove-islands', 'keep-largest'] as const) {
    const request: MorphologyRequest = { operation, classIndex: 1, radius: 2, minSize: 3 };
    const boxed = applyMorphology(labels, { width: side, height: side }, 3, request).labels;
    const whole = applyMorphology(widened, { width: side, height: side }, 3, request).labels;
    for (let i = 0; i < boxed.length; i++) if (!nearCorner(i)) assert.equal(boxed[i], whole[i], `${operation} at pixel ${i}`);
  }
});
