import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { writeNiftiLabels, writeTiff } from '../../../src/io/index.ts';
import { readUnlabeledImages, spacedSlices } from '../../../src/training/unlabeled-images.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('spaced slices cover the depth evenly and keep short volumes whole', () => {
  assert.deepEqual(spacedSlices(3, 16), [0, 1, 2]);
  assert.deepEqual(spacedSlices(100, 4), [12, 37, 62, 87]);
  assert.deepEqual(spacedSlices(16, 16), Array.from({ length: 16 }, (_, k) => k));
});

test('a volume gives its spaced slices with their own pixels; a 2D image gives itself', async (t) => {
  const dir = tempDir(t);
  const volume = path.join(dir, 'ct.nii.gz');
  // 2×2 voxels per slice, 40 slices; every voxel of slice k holds k.
  const voxels = Uint8Array.from({ length: 4 * 40 }, (_, i) => Math.floor(i / 4));
  await writeNiftiLabels(volume, { dims: [2, 2, 40], pixdim: [1, 1, 1, 1, 0, 0, 0, 0], qformCode: 0, sformCode: 0, quatern: [0, 0, 0, 0, 0, 0], srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], xyztUnits: 2 }, voxels);
  const flat = path.join(dir, 'photo.tif');
  await writeTiff(flat, { width: 3, height: 1, bands: 1, data: new Uint8Array([7, 8, 9]), layout: 'pixel' });

  const images = await readUnlabeledImages([volume, flat], 4);
  assert.deepEqual(images.map((i) => i.name), [5, 15, 25, 35].map((k) => `${volume} [slice ${k}]`).concat(flat));
  for (const [i, k] of [5, 15, 25, 35].entries()) assert.deepEqual(Array.from(images[i]!.data), [k, k, k, k]);
  assert.deepEqual(Array.from(images[4]!.data), [7, 8, 9]);
});
