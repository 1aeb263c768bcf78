import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError, openRaster, writeNiftiLabels, type NiftiGeometry } from '../../../src/io/index.ts';

const dir = await mkdtemp(path.join(tmpdir(), 'segwork-io-nifti-'));
test.after(() => rm(dir, { recursive: true, force: true }));

// 4 x 3 x 2 voxels, 2 mm in-plane, 5 mm slices, LPS-flipped sform (as from DICOM) and a 180° qform about z.
const geometry: NiftiGeometry = {
  dims: [4, 3, 2],
  pixdim: [1, 2, 2, 5, 0, 0, 0, 0],
  qformCode: 1,
  sformCode: 2,
  quatern: [0, 0, 1, 10, 20, 30],
  srow: [-2, 0, 0, 10, 0, -2, 0, 20, 0, 0, 5, 30],
  xyztUnits: 2,
};
const labels = Uint8Array.from({ length: 24 }, (_, i) => i % 5);

test('labels written as .nii.gz read back voxel for voxel with the sform as affine', async () => {
  const file = path.join(dir, 'labels.nii.gz');
  await writeNiftiLabels(file, geometry, labels);
  const raster = await openRaster(file);
  assert.deepEqual([raster.format, raster.width, raster.height, raster.slices, raster.dtype], ['nifti', 4, 3, 2, 'uint8']);
  const slice1 = await raster.readWindow(0, 0, 4, 3, 1);
  assert.deepEqual(Array.from(slice1), Array.from(labels.subarray(12, 24)));
  assert.deepEqual(raster.metadata.affine, [[-2, 0, 0, 10], [0, -2, 0, 20], [0, 0, 5, 30], [0, 0, 0, 1]]);
  assert.deepEqual(raster.metadata.nifti, geometry);
});

test('the qform is used when there is no sform', async () => {
  const file = path.join(dir, 'qform.nii');
  await writeNiftiLabels(file, { ...geometry, sformCode: 0 }, labels);
  const raster = await openRaster(file);
  // Quaternion (0,0,1) is 180° about z: x and y flip.
  assert.deepEqual(raster.metadata.affine, [[-2, 0, 0, 10], [0, -2, 0, 20], [0, 0, 5, 30], [0, 0, 0, 1]]);
});

test('slicing along axis 0 and 1 reads the same voxels', async () => {
  const { openNifti } = await import('../../../src/io/index.ts');
  const file = path.join(dir, 'axes.nii');
  await writeNiftiLabels(file, geometry, labels);
  const sagittal = await openNifti(file, { axis: 0 });
  assert.deepEqual([sagittal.width, sagittal.height, sagittal.slices], [3, 2, 4]);
  // Voxel (i=1, j=2, k=1) = labels[1 + 2*4 + 1*12]. Superior is up in both planes: k runs bottom to top.
  assert.equal((await sagittal.readWindow(2, 0, 1, 1, 1))[0], labels[21]);
  const coronal = await openNifti(file, { axis: 1 });
  assert.equal((await coronal.readWindow(1, 0, 1, 1, 2))[0], labels[21]);
});

test('an impossible header (negative dimension) is an InputError', async () => {
  const good = path.join(dir, 'good.nii.gz');
  await writeNiftiLabels(good, geometry, labels);
  const raw = gunzipSync(await readFile(good));
  raw.writeInt16LE(-4, 42);
  const bad = path.join(dir, 'bad.nii');
  await writeFile(bad, raw);
  await assert.rejects(openRaster(bad), (error: unknown) => error instanceof InputError && /impossible NIfTI header: dim\[1\] = -4/.test(error.message));
});

test('a NIfTI cut short is reported as truncated', async () => {
  const file = path.join(dir, 'whole.nii');
  await writeNiftiLabels(file, geometry, labels);
  const cut = path.join(dir, 'cut.nii');
  await writeFile(cut, (await readFile(file)).subarray(0, 360));
  await assert.rejects(openRaster(cut), /truncated NIfTI/);
});
