import { test } from 'node:test';
import assert from 'node:assert/strict';
import { removeSmallIslands } from '../../../src/inference/islands.ts';
import { fromRows, toRows } from '../../helpers/label-rows.ts';

test('a noisy speck inside a region takes the surrounding class; large regions stay', () => {
  const { mask, width, height } = fromRows([
    '00000000',
    '00100000',
    '00000222',
    '00000222',
    '00000222',
  ]);
  const r = removeSmallIslands(mask, width, height, { minArea: 3 });
  assert.deepEqual(toRows(r.mask, width), ['00000000', '00000000', '00000222', '00000222', '00000222']);
  assert.equal(r.removed, 1);
  assert.equal(r.changedPixels, 1);
  assert.equal(mask[10], 1, 'the input is not modified');
});

test('the majority of the border wins, and connectivity decides what counts as one region', () => {
  const { mask, width, height } = fromRows([
    '1110000',
    '1120000',
    '1110000',
  ]);
  assert.deepEqual(toRows(removeSmallIslands(mask, width, height, { minArea: 2 }).mask, width), ['1110000', '1110000', '1110000']);

  // Two diagonal pixels: one region of 2 under 8-connectivity (kept at minArea 2), two of 1 under 4 (removed).
  const diag = fromRows(['100', '010', '000']);
  assert.deepEqual(toRows(removeSmallIslands(diag.mask, 3, 3, { minArea: 2, connectivity: 8 }).mask, 3), ['100', '010', '000']);
  assert.deepEqual(toRows(removeSmallIslands(diag.mask, 3, 3, { minArea: 2, connectivity: 4 }).mask, 3), ['000', '000', '000']);
});

test('unlabeled pixels never change and never vote; an island bordered only by them stays', () => {
  const { mask, width, height } = fromRows([
    '.....',
    '.1...',
    '.....',
    '00000',
  ]);
  const r = removeSmallIslands(mask, width, height, { minArea: 4, connectivity: 4 });
  assert.deepEqual(toRows(r.mask, width), ['.....', '.1...', '.....', '00000']);
  assert.equal(r.removed, 0);
});

test('a wrong mask size is refused', () => {
  assert.throws(() => removeSmallIslands(new Uint8Array(5), 2, 2, { minArea: 1 }), /expected 2×2/);
});
