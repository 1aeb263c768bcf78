// Grow from seeds through a volume: strokes saved on two slices of a real NIfTI volume grow in 3D over its own
// voxels into a preview of every plane they change (nothing saved), applied and undone as one volume edit; a box
// limits the growth to its rectangle and planes; one class seeded, or a plain image, is refused in one message.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../../src/api/errors.ts';
import { UNLABELED } from '../../../src/api/types.ts';
import { writeNiftiLabels } from '../../../src/io/index.ts';
import { fromBase64 } from '../../../src/use-cases/payload-bytes.ts';
import { growVolumePreview, MAX_GROW_VOXELS } from '../../../src/use-cases/grow-volume.ts';
import { RawPlanes } from '../../../src/use-cases/raw-planes.ts';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { tempWorkspace } from '../store/temp-workspace.ts';
import { writeGrayPng } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

const [W, H, D] = [24, 20, 8];
/** The bright box of the volume: x 8–15, y 6–13, slices 2–5. */
const inBox = (x: number, y: number, z: number) => x >= 8 && x < 16 && y >= 6 && y < 14 && z >= 2 && z < 6;

async function volumeWorkbench(t: import('node:test').TestContext) {
  const dir = tempDir(t);
  const file = path.join(dir, 'images', 'box.nii.gz');
  const voxels = Uint8Array.from({ length: W * H * D }, (_, i) => {
    const x = i % W;
    const y = Math.floor(i / W) % H;
    const z = Math.floor(i / (W * H));
    return (inBox(x, y, z) ? 200 : 40) + ((i * 37) % 9);
  });
  await writeNiftiLabels(file, { dims: [W, H, D], pixdim: [1, 1, 1, 1, 0, 0, 0, 0], qformCode: 0, sformCode: 0, quatern: [0, 0, 0, 0, 0, 0], srow: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], xyztUnits: 2 }, voxels);
  writeGrayPng(path.join(dir, 'images', 'flat.png'), W, H, new Uint8Array(W * H));
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  t.after(() => wb.close());
  const project = await wb.createProject('p', [{ name: 'background', color: '#000000' }, { name: 'box', color: '#ffffff' }]);
  const { added } = await wb.addImages(project.id, [path.join(dir, 'images')]);
  const volume = added.find((i) => i.name === 'box.nii.gz')!;
  assert.equal(volume.slices, D);
  // The box's class on slices 3 and 4, background in a corner of slice 3: strokes on two slices.
  const slice = (k: number, paint: (labels: Uint8Array) => void) => {
    const labels = new Uint8Array(W * H).fill(UNLABELED);
    paint(labels);
    return wb.saveMaskPatches(volume.id, 0, [{ x: 0, y: 0, width: W, height: H, data: Buffer.from(labels).toString('base64') }], k);
  };
  await slice(3, (l) => {
    for (let x = 10; x < 14; x++) l[9 * W + x] = 1;
    for (let x = 1; x < 5; x++) l[2 * W + x] = 0;
  });
  await slice(4, (l) => {
    for (let x = 10; x < 14; x++) l[10 * W + x] = 1;
  });
  return { wb, volume, flat: added.find((i) => i.name === 'flat.png')! };
}

const planeOf = (edit: { slices: { slice: number; after: string }[] }, k: number) => fromBase64(edit.slices.find((s) => s.slice === k)!.after);

test('strokes on two slices grow through the volume into a preview of every plane; applied and undone as one edit', async (t) => {
  const { wb, volume } = await volumeWorkbench(t);
  const edit = await wb.growVolume({ imageId: volume.id });
  assert.equal(edit.axis, 2);
  assert.deepEqual(edit.slices.map((s) => s.slice), [0, 1, 2, 3, 4, 5, 6, 7], 'every plane changes');
  for (let z = 0; z < D; z++) {
    const plane = planeOf(edit, z);
    for (let i = 0; i < W * H; i++) assert.equal(plane[i], inBox(i % W, Math.floor(i / W), z) ? 1 : 0, `voxel ${i % W}, ${Math.floor(i / W)}, ${z}`);
  }
  assert.deepEqual(await wb.labeledSlices(volume.id), [3, 4], 'a preview saves nothing');

  const applied = await wb.applyVolumeEdit(volume.id, edit);
  assert.deepEqual(await wb.labeledSlices(volume.id), [0, 1, 2, 3, 4, 5, 6, 7]);
  await wb.applyVolumeEdit(volume.id, applied.undo);
  assert.deepEqual(await wb.labeledSlices(volume.id), [3, 4], 'one undo takes every plane back');
  const strokes = fromBase64((await wb.getMask(volume.id, 4)).data);
  assert.equal(strokes.filter((v) => v !== UNLABELED).length, 4, 'the strokes stay as they were');
});

test('a box limits the growth to its rectangle and its planes', async (t) => {
  const { wb, volume } = await volumeWorkbench(t);
  const edit = await wb.growVolume({ imageId: volume.id, roi: { x: 0, y: 0, width: 12, height: H, first: 2, last: 4 } });
  assert.deepEqual(edit.slices.map((s) => s.slice), [2, 3, 4]);
  for (const z of [2, 3, 4]) {
    const plane = planeOf(edit, z);
    const saved = fromBase64((await wb.getMask(volume.id, z)).data);
    for (let i = 0; i < W * H; i++) {
      const x = i % W;
      if (x >= 12) assert.equal(plane[i], saved[i], `outside the box ${x}, ${Math.floor(i / W)}, ${z} is unchanged`);
      else assert.equal(plane[i], inBox(x, Math.floor(i / W), z) ? 1 : 0);
    }
  }
});

test('one class seeded, a plain image, or planes outside the volume are refused in one message', async (t) => {
  const { wb, volume, flat } = await volumeWorkbench(t);
  await assert.rejects(wb.growVolume({ imageId: volume.id, roi: { x: 8, y: 0, width: 16, height: H } }), (e: unknown) => e instanceof UserError && /at least two classes inside the region of interest; found only one/.test(e.message));
  await assert.rejects(wb.growVolume({ imageId: flat.id }), (e: unknown) => e instanceof UserError && /flat\.png is not a volume/.test(e.message));
  await assert.rejects(wb.growVolume({ imageId: volume.id, roi: { x: 0, y: 0, width: W, height: H, first: 9, last: 12 } }), (e: unknown) => e instanceof UserError && /planes 10–13 are not within 1–8/.test(e.message));
  assert.deepEqual(await wb.labeledSlices(volume.id), [3, 4]);
});

test('a volume too large to grow at once is refused before it is read, naming what to do', async (t) => {
  const ws = tempWorkspace(t);
  const project = ws.projects.create('ct', [{ name: 'background', color: '#000000' }, { name: 'liver', color: '#ff0000' }]);
  // 1024 × 1024 × 64 voxels, more than MAX_GROW_VOXELS; the file is never opened.
  const image = ws.images.add({ projectId: project.id, path: '/nowhere/big.nii.gz', name: 'big.nii.gz', contentHash: 'h', width: 1024, height: 1024, channels: 1, slices: 64, modality: 'CT' });
  assert.ok(1024 * 1024 * 64 > MAX_GROW_VOXELS);
  await assert.rejects(growVolumePreview(ws, new RawPlanes(), { imageId: image.id }), (e: unknown) => e instanceof UserError && /big\.nii\.gz: growing 67,108,864 voxels at once is more than the 50,000,000 allowed; draw a region of interest or choose fewer slices/.test(e.message));
});
