import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRaster, writeNiftiLabels } from '../../../src/io/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const folder = path.resolve(repoRoot, '../shared/data/totalsegmentator-ct-mr');

test('TotalSegmentator CT volume: shape, HU range and affine as nibabel reports them', async (t) => {
  const file = path.join(folder, 'example_ct_sm.nii.gz');
  if (!existsSync(file)) return t.skip(`no NIfTI sample at ${file}`);
  const raster = await openRaster(file);
  assert.deepEqual(raster.metadata.shape, [122, 101, 30]);
  assert.deepEqual([raster.width, raster.height, raster.slices, raster.dtype], [122, 101, 30, 'int16']);
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < raster.slices; k++) {
    for (const v of await raster.readWindow(0, 0, raster.width, raster.height, k)) { min = Math.min(min, v); max = Math.max(max, v); }
  }
  assert.deepEqual([min, max], [-1100, 1207]);
  // nibabel: sform_code 2, affine diag(3, 3, 3) with this offset.
  assert.deepEqual(raster.metadata.affine, [[3, 0, 0, -177.95632934570312], [0, 3, 0, 11.319000244140625], [0, 0, 3, 94.3017578125], [0, 0, 0, 1]]);
});

test('label map round-trips through writeNiftiLabels with identical voxels and geometry', async (t) => {
  const file = path.join(folder, 'example_seg.nii.gz');
  if (!existsSync(file)) return t.skip(`no NIfTI sample at ${file}`);
  const source = await openRaster(file);
  const plane = source.width * source.height;
  const labels = new Uint8Array(plane * source.slices);
  for (let k = 0; k < source.slices; k++) labels.set(await source.readWindow(0, 0, source.width, source.height, k), k * plane);
  const dir = await mkdtemp(path.join(tmpdir(), 'segwork-nifti-rt-'));
  try {
    const out = path.join(dir, 'labels.nii.gz');
    await writeNiftiLabels(out, source, labels);
    const back = await openRaster(out);
    assert.deepEqual(back.metadata.affine, source.metadata.affine);
    assert.deepEqual(back.metadata.nifti, source.metadata.nifti);
    for (const k of [0, 15, 29]) assert.deepEqual(await back.readWindow(0, 0, back.width, back.height, k), await source.readWindow(0, 0, source.width, source.height, k));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
