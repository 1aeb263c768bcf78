// Grow from seeds on synthetic images: every unlabeled pixel takes the class whose seeds reach it along the
// cheapest intensity path; seeds never change; multi-band images weigh their bands alike; volumes grow in 3D.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/api/errors.ts';
import { growFromSeeds, grownOntoUnlabeled } from '../../../src/labels/grow-from-seeds.ts';
import { LabelEditor, LabelMap, UNLABELED } from '../../../src/labels/index.ts';

/** A one-band image from a function of (x, y). */
function image(width: number, height: number, value: (x: number, y: number) => number) {
  const values = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) values[y * width + x] = value(x, y);
  return { values, width, height, bands: 1 };
}

function unlabeled(count: number): Uint8Array {
  return new Uint8Array(count).fill(UNLABELED);
}

/** A deterministic pseudo-random number in [0, 1) per pixel, for noise that does not change between runs. */
function noise(x: number, y: number): number {
  const s = Math.sin(x * 12.9898 + y * 78.233) * 43758.5453;
  return s - Math.floor(s);
}

test('two regions of different intensity split at their edge from one stroke each', () => {
  const width = 64;
  const height = 48;
  // Dark left of x = 40 (not the middle, so nearness alone would not find it), bright right; some noise.
  const img = image(width, height, (x, y) => (x < 40 ? 40 : 180) + 20 * noise(x, y));
  const seeds = unlabeled(width * height);
  for (let y = 10; y < 20; y++) {
    seeds[y * width + 3] = 1;
    seeds[y * width + 60] = 2;
  }
  const out = growFromSeeds(img, seeds);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) assert.equal(out[y * width + x], x < 40 ? 1 : 2, `pixel (${x}, ${y})`);
  }
  assert.equal(seeds[0], UNLABELED, 'the input labels are not changed');
});

test('seeds never change, even a stroke of one class painted inside the other class’s region', () => {
  const width = 32;
  const img = image(width, width, (x) => (x < 16 ? 0 : 100));
  const seeds = unlabeled(width * width);
  seeds[5 * width + 2] = 0;
  seeds[5 * width + 30] = 1;
  seeds[20 * width + 4] = 1; // inside the dark region
  const out = growFromSeeds(img, seeds);
  assert.equal(out[20 * width + 4], 1);
  assert.equal(out[5 * width + 2], 0);
  assert.equal(out[3 * width + 2], 0, 'the dark region by its own seed is still class 0');
});

test('a one-pixel bright line seeded at one end is followed to its other end, and nothing around it', () => {
  const width = 80;
  const height = 40;
  const img = image(width, height, (x, y) => (y === 20 && x >= 10 && x < 70 ? 255 : 30 + 10 * noise(x, y)));
  const seeds = unlabeled(width * height);
  seeds[20 * width + 10] = 1;
  seeds[5 * width + 40] = 0;
  const out = growFromSeeds(img, seeds);
  for (let x = 10; x < 70; x++) assert.equal(out[20 * width + x], 1, `line pixel (${x}, 20)`);
  let ones = 0;
  for (const v of out) if (v === 1) ones++;
  assert.equal(ones, 60, 'only the line takes class 1');
});

test('a one-pixel wall with a gap still separates the two halves away from the gap', () => {
  const width = 60;
  const height = 30;
  // A bright one-pixel wall at x = 30 with a 2-pixel gap at rows 14–15, between two flat dark halves.
  const img = image(width, height, (x, y) => (x === 30 && (y < 14 || y > 15) ? 255 : 20));
  const seeds = unlabeled(width * height);
  for (let y = 0; y < height; y++) {
    seeds[y * width + 2] = 0;
    seeds[y * width + 57] = 1;
  }
  const out = growFromSeeds(img, seeds);
  // Far from the gap the wall is the boundary.
  for (const y of [0, 5, 25, 29]) {
    assert.equal(out[y * width + 29], 0, `left of the wall at row ${y}`);
    assert.equal(out[y * width + 31], 1, `right of the wall at row ${y}`);
  }
});

test('multi-band: a band in thousands does not drown a band in units (each is divided by its own spread)', () => {
  const width = 64;
  const height = 64;
  const values = new Float32Array(width * height * 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 2;
      values[i] = y * 64; // a smooth ramp from 0 to 4032 down the image, no edge
      values[i + 1] = x < 44 ? 0 : 1; // the edge, in a band of units
    }
  }
  const seeds = unlabeled(width * height);
  for (let y = 0; y < height; y++) {
    seeds[y * width + 2] = 0;
    seeds[y * width + 62] = 1;
  }
  const out = growFromSeeds({ values, width, height, bands: 2 }, seeds);
  for (let y = 0; y < height; y += 7) {
    for (let x = 0; x < width; x++) assert.equal(out[y * width + x], x < 44 ? 0 : 1, `pixel (${x}, ${y})`);
  }
});

test('RGB: regions that differ only in the blue band split at their edge', () => {
  const width = 40;
  const height = 20;
  const values = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) values.set([120, 120, x < 12 ? 40 : 200], (y * width + x) * 3);
  }
  const seeds = unlabeled(width * height);
  seeds[10 * width] = 3;
  seeds[10 * width + 39] = 4;
  const out = growFromSeeds({ values, width, height, bands: 3 }, seeds);
  for (let x = 0; x < width; x++) assert.equal(out[3 * width + x], x < 12 ? 3 : 4, `pixel (${x}, 3)`);
});

test('8 neighbours follow a one-pixel diagonal line', () => {
  const width = 30;
  const img = image(width, width, (x, y) => (x === y ? 255 : 0));
  const seeds = unlabeled(width * width);
  seeds[0] = 1;
  seeds[29] = 0;
  const out = growFromSeeds(img, seeds, { neighbours: 8 });
  for (let i = 0; i < width; i++) assert.equal(out[i * width + i], 1, `diagonal pixel ${i}`);
  assert.equal(out[5 * width + 20], 0);
});

test('a volume grows through its slices from seeds on one slice (6 neighbours)', () => {
  const width = 20;
  const height = 20;
  const depth = 5;
  const values = new Float32Array(width * height * depth);
  const inCube = (x: number, y: number, z: number) => x >= 5 && x < 15 && y >= 5 && y < 15 && z >= 1 && z < 4;
  for (let z = 0; z < depth; z++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) values[(z * height + y) * width + x] = inCube(x, y, z) ? 1000 : 0;
  const seeds = unlabeled(values.length);
  const at = (x: number, y: number, z: number) => (z * height + y) * width + x;
  seeds[at(10, 10, 2)] = 1;
  seeds[at(0, 0, 2)] = 0;
  const out = growFromSeeds({ values, width, height, depth, bands: 1 }, seeds);
  for (let z = 0; z < depth; z++) {
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) assert.equal(out[at(x, y, z)], inCube(x, y, z) ? 1 : 0, `voxel (${x}, ${y}, ${z})`);
  }
});

test('a region of interest: only it grows, pixels outside keep their labels', () => {
  const width = 40;
  const img = image(width, width, (x) => (x < 20 ? 0 : 100));
  const seeds = unlabeled(width * width);
  seeds[15 * width + 12] = 0;
  seeds[15 * width + 27] = 1;
  seeds[35 * width + 35] = 2; // outside the region: not used
  const roi = { x: 10, y: 10, width: 20, height: 10 };
  const out = growFromSeeds(img, seeds, { roi });
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < width; x++) {
      const inside = x >= 10 && x < 30 && y >= 10 && y < 20;
      const expected = inside ? (x < 20 ? 0 : 1) : seeds[y * width + x];
      assert.equal(out[y * width + x], expected, `pixel (${x}, ${y})`);
    }
  }
});

test('fewer than two classes seeded is refused with a message saying two are needed', () => {
  const width = 16;
  const img = image(width, width, () => 0);
  const one = unlabeled(width * width);
  one[3] = 1;
  one[40] = 1;
  assert.throws(() => growFromSeeds(img, one), (e: unknown) => e instanceof UserError && /at least two classes/.test(e.message) && /found only one\./.test(e.message));
  assert.throws(() => growFromSeeds(img, unlabeled(width * width)), (e: unknown) => e instanceof UserError && /at least two classes; found none/.test(e.message));
  // Two classes, but only one inside the region.
  const two = unlabeled(width * width);
  two[0] = 0;
  two[width * width - 1] = 1;
  assert.throws(() => growFromSeeds(img, two, { roi: { x: 0, y: 0, width: 4, height: 4 } }), UserError);
});

test('a large plane grows coarse to fine and still finds a noisy disc, its mistakes on the edge', () => {
  const width = 1100;
  const height = 1000;
  const inDisc = (x: number, y: number) => (x - 600) ** 2 + (y - 480) ** 2 < 300 ** 2;
  const img = image(width, height, (x, y) => (inDisc(x, y) ? 160 : 60) + 30 * noise(x, y));
  const seeds = unlabeled(width * height);
  for (let x = 550; x < 650; x++) seeds[480 * width + x] = 1;
  for (let x = 50; x < 150; x++) seeds[50 * width + x] = 0;
  const out = growFromSeeds(img, seeds);
  let wrong = 0;
  let farFromEdge = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (out[y * width + x] === (inDisc(x, y) ? 1 : 0)) continue;
      wrong++;
      if (Math.abs(Math.hypot(x - 600, y - 480) - 300) > 2) farFromEdge++;
    }
  }
  // 99.8 % of the 1.1 million pixels right, and the mistakes are mostly on the disc's edge (about 1,900 pixels long).
  assert.ok(wrong < 2200, `${wrong} pixels took the wrong class`);
  assert.ok(farFromEdge < 200, `${farFromEdge} mistakes lie more than 2 pixels from the disc’s edge`);
});

test('accepting a grown plane is one undo item that changes only unlabeled pixels; undo restores the strokes', () => {
  const width = 24;
  const map = new LabelMap(width, width);
  const editor = new LabelEditor(map);
  editor.brushSize = 3;
  editor.classIndex = 0;
  editor.pointerDown({ x: 3, y: 3 });
  editor.pointerUp({ x: 3, y: 20 });
  editor.classIndex = 1;
  editor.pointerDown({ x: 20, y: 3 });
  editor.pointerUp({ x: 20, y: 20 });
  const strokes = map.data.slice();
  const img = image(width, width, (x) => (x < 12 ? 10 : 90));
  const grown = growFromSeeds(img, strokes);
  // A stroke painted after the preview was computed: accepting keeps it.
  editor.classIndex = 2;
  editor.pointerDown({ x: 6, y: 12 });
  editor.pointerUp({ x: 6, y: 12 });
  const beforeAccept = map.data.slice();
  editor.applyPlane(grownOntoUnlabeled(map.data, grown));
  for (let i = 0; i < map.data.length; i++) {
    assert.equal(map.data[i], beforeAccept[i] !== UNLABELED ? beforeAccept[i] : grown[i], `pixel ${i}`);
    assert.notEqual(map.data[i], UNLABELED);
  }
  editor.undo();
  assert.deepEqual(map.data, beforeAccept, 'one undo takes the whole grown plane back, leaving the strokes');
  editor.undo();
  editor.redo();
  editor.redo();
  assert.equal(map.get(12, 5), 1, 'redo applies it again');
});

test('applyPlane with a rectangle writes only inside it', () => {
  const map = new LabelMap(10, 10);
  const editor = new LabelEditor(map);
  const diff = editor.applyPlane(new Uint8Array(100).fill(3), { x: 2, y: 2, width: 3, height: 4 });
  let threes = 0;
  for (const v of map.data) if (v === 3) threes++;
  assert.equal(threes, 12);
  assert.deepEqual(diff?.rect, { x: 2, y: 2, width: 3, height: 4 });
});
