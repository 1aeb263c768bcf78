// Morphology on a whole volume through the volume-edit path: remove islands in 3D on a hand-made volume previews
// exactly the slices holding islands and saves nothing, applying leaves no region smaller than asked in any slice,
// and the returned undo puts every slice back; a coronal preview lands in the same voxels; bad requests and a class
// with no voxel are refused with what is wrong, and nothing is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArgumentError, UserError } from '../../../src/api/errors.ts';
import { UNLABELED } from '../../../src/api/types.ts';
import { forEachRegion } from '../../../src/labels/components.ts';
import { applyVolumeEdit } from '../../../src/use-cases/volume-edits.ts';
import { volumeMorphologyPreview } from '../../../src/use-cases/volume-morphology.ts';
import { tempWorkspace } from '../store/temp-workspace.ts';

const [W, H, N] = [16, 12, 8];
const PLANE = W * H;

/**
 * Class 1: a 6×6×4 block through slices 2..5 (144 voxels); a 2-voxel island spanning slices 0 and 1 that touches
 * only across a corner (one island in 3D, two lone pixels in 2D); lone voxels on slices 3 and 7. Class 0: one
 * voxel on slice 6.
 */
function volumeWithIslands(t: test.TestContext) {
  const ws = tempWorkspace(t);
  const project = ws.projects.create('ct', [{ name: 'background', color: '#000000' }, { name: 'liver', color: '#ff0000' }, { name: 'bone', color: '#ffffff' }]);
  const image = ws.images.add({ projectId: project.id, path: '/ct.nii.gz', name: 'ct.nii.gz', contentHash: 'h', width: W, height: H, channels: 1, slices: N, modality: 'CT' });
  const volume = new Uint8Array(PLANE * N).fill(UNLABELED);
  const set = (x: number, y: number, z: number, c = 1) => (volume[z * PLANE + y * W + x] = c);
  for (let z = 2; z <= 5; z++) for (let y = 3; y < 9; y++) for (let x = 4; x < 10; x++) set(x, y, z);
  set(13, 1, 0);
  set(14, 2, 1);
  set(1, 10, 3);
  set(14, 10, 7);
  set(0, 0, 6, 0);
  for (let k = 0; k < N; k++) ws.masks.save(image.id, volume.slice(k * PLANE, (k + 1) * PLANE), W, H, { slice: k });
  return { ws, image, volume };
}

function storedVolume(ws: ReturnType<typeof tempWorkspace>, imageId: number): Uint8Array {
  const volume = new Uint8Array(PLANE * N).fill(UNLABELED);
  for (let k = 0; k < N; k++) {
    const mask = ws.masks.current(imageId, k);
    if (mask) volume.set(mask.data, k * PLANE);
  }
  return volume;
}

/** Sizes of the class's 26-connected regions in the volume. */
function regionSizes(volume: Uint8Array, classIndex: number): number[] {
  const sizes: number[] = [];
  forEachRegion(volume, { width: W, height: H, depth: N }, 'all', (_, size, value) => value === classIndex && sizes.push(size));
  return sizes.sort((a, b) => a - b);
}

test('remove islands on the volume: previews the slices with islands, applies in one step, undoes in one', (t) => {
  const { ws, image, volume } = volumeWithIslands(t);
  const revision = ws.masks.latestRevision(image.id);
  assert.deepEqual(regionSizes(volume, 1), [1, 1, 2, 144]);
  const preview = volumeMorphologyPreview(ws, image.id, { operation: 'remove-islands', classIndex: 1, minSize: 2 });
  assert.deepEqual(preview.slices.map((s) => s.slice), [3, 7], 'the two lone voxels go; the island across slices 0–1 has 2 voxels in 3D and stays');
  assert.deepEqual({ added: preview.added, removed: preview.removed, axis: preview.axis, base: preview.baseRevision }, { added: 0, removed: 2, axis: 2, base: revision });
  assert.deepEqual(storedVolume(ws, image.id), volume, 'a preview writes nothing');

  const larger = volumeMorphologyPreview(ws, image.id, { operation: 'remove-islands', classIndex: 1, minSize: 3 });
  assert.deepEqual(larger.slices.map((s) => s.slice), [0, 1, 3, 7]);
  const applied = applyVolumeEdit(ws, image.id, larger);
  const after = storedVolume(ws, image.id);
  assert.deepEqual(regionSizes(after, 1), [144], 'no region smaller than 3 voxels remains');
  assert.equal(after[6 * PLANE], 0, 'another class is untouched');
  assert.deepEqual(applied.undo.slices.map((s) => s.slice), [0, 1, 3, 7]);
  applyVolumeEdit(ws, image.id, applied.undo);
  assert.deepEqual(storedVolume(ws, image.id), volume, 'one undo puts every slice back');
});

test('grow on the volume reaches the slices above and below; a coronal preview writes the same voxels', (t) => {
  const { ws, image } = volumeWithIslands(t);
  const axial = volumeMorphologyPreview(ws, image.id, { operation: 'grow', classIndex: 1, radius: 1 });
  assert.ok(axial.slices.some((s) => s.slice === 6), 'the block grows into slice 6, above its top');
  const coronal = volumeMorphologyPreview(ws, image.id, { operation: 'grow', classIndex: 1, radius: 1 }, 1);
  assert.equal(coronal.axis, 1);
  assert.deepEqual({ added: coronal.added, removed: coronal.removed }, { added: axial.added, removed: axial.removed });
  const viaAxial = storedVolume(ws, image.id);
  const undo = applyVolumeEdit(ws, image.id, axial).undo;
  const grownAxial = storedVolume(ws, image.id);
  applyVolumeEdit(ws, image.id, undo);
  assert.deepEqual(storedVolume(ws, image.id), viaAxial);
  applyVolumeEdit(ws, image.id, { ...coronal, baseRevision: ws.masks.latestRevision(image.id) });
  assert.deepEqual(storedVolume(ws, image.id), grownAxial, 'the coronal planes land in the same voxels');
});

test('bad requests, a class with no voxel and a plain image are refused with what is wrong; nothing is written', (t) => {
  const { ws, image, volume } = volumeWithIslands(t);
  assert.throws(() => volumeMorphologyPreview(ws, image.id, { operation: 'grow', classIndex: 1, radius: 0 }), (e: unknown) => e instanceof ArgumentError && e.argument === 'radius' && /1 or more, got 0/.test(e.message));
  assert.throws(() => volumeMorphologyPreview(ws, image.id, { operation: 'remove-islands', classIndex: 1, minSize: -3 }), (e: unknown) => e instanceof ArgumentError && e.argument === 'minSize');
  assert.throws(() => volumeMorphologyPreview(ws, image.id, { operation: 'fill-holes', classIndex: 3 }), (e: unknown) => e instanceof ArgumentError && /from 0 to 2, got 3/.test(e.message));
  assert.throws(() => volumeMorphologyPreview(ws, image.id, { operation: 'keep-largest', classIndex: 2 }), (e: unknown) => e instanceof UserError && /ct.nii.gz has no voxel of bone/.test(e.message));
  const plain = ws.images.add({ projectId: image.projectId, path: '/a.png', name: 'a.png', contentHash: 'p', width: W, height: H, channels: 1, slices: 1, modality: 'png' });
  assert.throws(() => volumeMorphologyPreview(ws, plain.id, { operation: 'fill-holes', classIndex: 1 }), /a.png is not a volume/);
  assert.deepEqual(storedVolume(ws, image.id), volume);
});
