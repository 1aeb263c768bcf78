import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitTrainVal } from '../../../src/training/split.ts';

const slices = (imagePath: string, n: number) => Array.from({ length: n }, (_, slice) => ({ imagePath, slice }));

test('2D images: the validation share is held out, every image on exactly one side, the same for a seed', () => {
  const items = Array.from({ length: 10 }, (_, i) => ({ imagePath: `img${i}.png` }));
  const { train, val } = splitTrainVal(items, 0.2, 7);
  assert.equal(val.length, 2);
  assert.equal(train.length, 8);
  assert.deepEqual(new Set([...train, ...val]), new Set(items));
  assert.deepEqual(splitTrainVal(items, 0.2, 7), { train, val });
  assert.notDeepEqual(splitTrainVal(items, 0.2, 8).val, val, 'another seed holds out other images');
});

test('slices of one volume never sit on both sides when whole volumes fit the share', () => {
  const items = [...slices('a.nii.gz', 6), ...slices('b.nii.gz', 6), ...slices('c.nii.gz', 6), ...slices('d.nii.gz', 6), ...slices('e.nii.gz', 6)];
  for (let seed = 1; seed <= 20; seed++) {
    const { train, val } = splitTrainVal(items, 0.2, seed);
    assert.equal(val.length, 6, `seed ${seed}: one whole volume of six slices`);
    const heldVolumes = new Set(val.map((s) => s.imagePath));
    assert.equal(heldVolumes.size, 1);
    assert.ok(train.every((s) => !heldVolumes.has(s.imagePath)), `seed ${seed}: a held-out volume also trains`);
  }
});

test('one volume: a contiguous slab of slices is held out', () => {
  const items = slices('ct.nii.gz', 30);
  const starts = new Set<number>();
  for (let seed = 1; seed <= 20; seed++) {
    const { train, val } = splitTrainVal(items, 0.2, seed);
    assert.equal(val.length, 6);
    assert.equal(train.length, 24);
    const held = val.map((s) => s.slice);
    assert.deepEqual(held, Array.from({ length: 6 }, (_, i) => held[0]! + i), `seed ${seed}: slab ${held}`);
    starts.add(held[0]!);
  }
  assert.ok(starts.size > 1, 'the slab moves with the seed');
});

test('nothing is held out with no share or a single item', () => {
  assert.equal(splitTrainVal(slices('a.png', 1), 0.2, 1).val.length, 0);
  assert.deepEqual(splitTrainVal(slices('a.nii', 5), 0, 1), { train: slices('a.nii', 5), val: [] });
});
