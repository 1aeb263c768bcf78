// A volume's planes along every axis: pixels (io/reslice) and labels (use-cases/volume-masks) agree on one geometry,
// and a stroke painted on a coronal or sagittal plane lands in the native slices it crosses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskAlong, savePatchesAlong } from '../../../src/use-cases/volume-masks.ts';
import { memoryRaster } from '../../../src/io/memory-raster.ts';
import { resliced } from '../../../src/io/reslice.ts';
import { tempWorkspace } from '../store/temp-workspace.ts';

const [W, H, N] = [4, 3, 5];
/** Voxel (i, j, k) holds 100k + 10j + i, so every read says where it came from. */
const voxel = (i: number, j: number, k: number) => 100 * k + 10 * j + i;
const volume = memoryRaster({
  path: 'vol', format: 'nifti', width: W, height: H, bands: 1, dtype: 'float32', modality: 'CT', slices: N,
  pixels: Array.from({ length: W * H * N }, (_, n) => voxel(n % W, Math.floor(n / W) % H, Math.floor(n / (W * H)))),
});

test('resliced planes: coronal is width × slices at a row, sagittal rows × slices at a column, last slice on top', async () => {
  const coronal = resliced(volume, 1);
  assert.deepEqual([coronal.width, coronal.height, coronal.slices], [W, N, H]);
  const plane = await coronal.readWindow(0, 0, W, N, 2);
  for (let r = 0; r < N; r++) for (let i = 0; i < W; i++) assert.equal(plane[r * W + i], voxel(i, 2, N - 1 - r));
  const sagittal = resliced(volume, 0);
  assert.deepEqual([sagittal.width, sagittal.height, sagittal.slices], [H, N, W]);
  const window = await sagittal.readWindow(1, 1, 2, 3, 3);
  assert.deepEqual(Array.from(window), [voxel(3, 1, 3), voxel(3, 2, 3), voxel(3, 1, 2), voxel(3, 2, 2), voxel(3, 1, 1), voxel(3, 2, 1)]);
  assert.equal(resliced(volume, 2), volume);
  await assert.rejects(coronal.readWindow(0, 0, W, N, H), /slice/);
});

test('labels painted on a coronal plane land in every slice they cross and read back on all three axes', (t) => {
  const ws = tempWorkspace(t);
  const project = ws.projects.create('ct', [{ name: 'background', color: '#000000' }, { name: 'liver', color: '#ff0000' }]);
  const image = ws.images.add({ projectId: project.id, path: '/ct.nii.gz', name: 'ct.nii.gz', contentHash: 'h', width: W, height: H, channels: 1, slices: N, modality: 'CT' });
  // A 2×3 patch of liver on coronal plane j = 1, columns 1..2, plane rows 1..3 (slices 3, 2, 1).
  const revision = ws.transaction(() => savePatchesAlong(ws, image, 1, 1, [{ x: 1, y: 1, width: 2, height: 3, data: new Uint8Array(6).fill(1) }]));
  assert.ok(revision > 0);
  assert.deepEqual(ws.masks.labeledSlices(image.id), [1, 2, 3]);
  const slice2 = ws.masks.current(image.id, 2)!.data;
  assert.deepEqual(Array.from(slice2).map((v, n) => (v === 1 ? n : -1)).filter((n) => n >= 0), [1 * W + 1, 1 * W + 2]);

  const coronal = maskAlong(ws, image, 1, 1);
  assert.deepEqual([coronal.width, coronal.height], [W, N]);
  const painted = Array.from(coronal.data).map((v, n) => (v === 1 ? [n % W, Math.floor(n / W)] : null)).filter(Boolean);
  assert.deepEqual(painted, [[1, 1], [2, 1], [1, 2], [2, 2], [1, 3], [2, 3]]);
  assert.ok(maskAlong(ws, image, 1, 0).data.every((v) => v === 255), 'another row is untouched');
  // Sagittal plane i = 2 sees row j = 1 of slices 1..3.
  const sagittal = maskAlong(ws, image, 0, 2);
  assert.deepEqual([sagittal.width, sagittal.height], [H, N]);
  for (let r = 0; r < N; r++) for (let j = 0; j < H; j++) assert.equal(sagittal.data[r * H + j], j === 1 && r >= 1 && r <= 3 ? 1 : 255);

  // Erasing on the sagittal plane clears the same voxels in the native slices.
  ws.transaction(() => savePatchesAlong(ws, image, 0, 2, [{ x: 1, y: 1, width: 1, height: 3, data: new Uint8Array(3).fill(255) }]));
  assert.equal(ws.masks.current(image.id, 2)!.data[1 * W + 2], 255);
  assert.equal(ws.masks.current(image.id, 2)!.data[1 * W + 1], 1, 'column 1 keeps its label');
  assert.throws(() => savePatchesAlong(ws, image, 1, 1, [{ x: 3, y: 0, width: 2, height: 1, data: new Uint8Array(2) }]), /does not fit the 4×5 plane/);
  assert.throws(() => maskAlong(ws, image, 0, W), /slice 4 is outside 0..3 along axis 0/);
});
