// U-Net's separation weight map against values computed by hand on a small case.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { separationWeightMap } from '../../../src/training/weight-map.ts';

const U = 255;
// 7×3: two one-pixel objects of class 1 at (1,1) and (5,1), background (class 0) elsewhere, (6,2) unlabeled.
const WIDTH = 7;
// prettier-ignore
const MASK = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0,
  0, 1, 0, 0, 0, 1, 0,
  0, 0, 0, 0, 0, 0, U,
]);
const OPTIONS = { foregroundClass: 1, w0: 10, sigma: 5 };
const CLASS_WEIGHTS = [1, 2];
const border = (d1: number, d2: number) => 10 * Math.exp(-((d1 + d2) ** 2) / (2 * 5 * 5));

test('the weight map is w_c + w0·exp(−(d1 + d2)²/2σ²), hand-computed on two objects 4 px apart', () => {
  const { weights, objects } = separationWeightMap(MASK, WIDTH, 3, OPTIONS, CLASS_WEIGHTS);
  assert.equal(objects, 2);
  const at = (x: number, y: number) => weights[y * WIDTH + x]!;
  const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-5, `${what}: ${actual} vs ${expected}`);
  // Midway between them: 2 px from each.
  close(at(3, 1), 1 + border(2, 2), 'midway');
  // Above the middle: √5 from each.
  close(at(3, 0), 1 + border(Math.sqrt(5), Math.sqrt(5)), 'above midway');
  // On an object: d1 = 0, d2 = 4; its class weight is 2.
  close(at(1, 1), 2 + border(0, 4), 'on an object');
  // Beside the left object, away from the other: 1 and 5.
  close(at(0, 1), 1 + border(1, 5), 'outside');
  // The corner (0,0): √2 to the left object, √26 to the right one.
  close(at(0, 0), 1 + border(Math.SQRT2, Math.sqrt(26)), 'corner');
  assert.equal(at(6, 2), 0, 'unlabeled pixels carry no weight');
  // The gap between the objects weighs more than the outside.
  assert.ok(at(3, 1) > at(0, 1));
});

test('without foreground objects the map is the class weights alone, and says so', () => {
  const background = MASK.map((v) => (v === 1 ? 0 : v));
  const { weights, objects } = separationWeightMap(background, WIDTH, 3, OPTIONS, CLASS_WEIGHTS);
  assert.equal(objects, 0);
  assert.deepEqual([...weights], [...background].map((v) => (v === U ? 0 : 1)));
});

test('a single object has no second-nearest one: no border term', () => {
  const one = MASK.slice();
  one[1 * WIDTH + 5] = 0;
  const { weights, objects } = separationWeightMap(one, WIDTH, 3, OPTIONS, CLASS_WEIGHTS);
  assert.equal(objects, 1);
  assert.deepEqual([...weights], [...one].map((v) => (v === U ? 0 : CLASS_WEIGHTS[v]!)));
});
