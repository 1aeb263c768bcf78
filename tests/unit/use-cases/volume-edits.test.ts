// Volume edits: an interpolation preview saves nothing, applying it writes every slice in one transaction, the
// returned undo puts them all back in one step, and a slice saved meanwhile makes the edit stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StaleRevisionError, UserError } from '../../../src/api/errors.ts';
import { UNLABELED } from '../../../src/api/types.ts';
import { applyVolumeEdit, interpolationPreview } from '../../../src/use-cases/volume-edits.ts';
import { labeledPlanesAlong, maskAlong } from '../../../src/use-cases/volume-masks.ts';
import { fromBase64 } from '../../../src/use-cases/payload-bytes.ts';
import { tempWorkspace } from '../store/temp-workspace.ts';

const [W, H, N] = [32, 24, 12];

function disc(r: number, c = 1): Uint8Array {
  const mask = new Uint8Array(W * H).fill(UNLABELED);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (Math.hypot(x - 16, y - 12) <= r) mask[y * W + x] = c;
  return mask;
}
const area = (mask: Uint8Array) => mask.reduce((n, v) => n + (v === 1 ? 1 : 0), 0);

function volumeWithTwoKeys(t: test.TestContext) {
  const ws = tempWorkspace(t);
  const project = ws.projects.create('ct', [{ name: 'background', color: '#000000' }, { name: 'liver', color: '#ff0000' }]);
  const image = ws.images.add({ projectId: project.id, path: '/ct.nii.gz', name: 'ct.nii.gz', contentHash: 'h', width: W, height: H, channels: 1, slices: N, modality: 'CT' });
  ws.masks.save(image.id, disc(3), W, H, { slice: 2 });
  ws.masks.save(image.id, disc(9), W, H, { slice: 8 });
  return { ws, image };
}

test('the preview fills the slices between the keys and saves nothing; apply saves them all; undo puts them back', (t) => {
  const { ws, image } = volumeWithTwoKeys(t);
  const preview = interpolationPreview(ws, image.id);
  assert.equal(preview.axis, 2);
  assert.equal(preview.baseRevision, 2);
  assert.deepEqual(preview.slices.map((s) => s.slice), [3, 4, 5, 6, 7]);
  const areas = preview.slices.map((s) => area(fromBase64(s.after)));
  for (let i = 0; i < areas.length; i++) assert.ok(areas[i]! > area(disc(3)) && areas[i]! < area(disc(9)) && (i === 0 || areas[i]! > areas[i - 1]!), `areas ${areas}`);
  assert.deepEqual(ws.masks.labeledSlices(image.id), [2, 8], 'a preview writes nothing');

  const applied = applyVolumeEdit(ws, image.id, preview);
  assert.deepEqual(ws.masks.labeledSlices(image.id), [2, 3, 4, 5, 6, 7, 8]);
  assert.equal(applied.revision, 7);
  assert.deepEqual(area(ws.masks.current(image.id, 5)!.data), areas[2]);
  assert.deepEqual(applied.undo.slices.map((s) => s.slice), [3, 4, 5, 6, 7]);
  assert.ok(applied.undo.slices.every((s) => fromBase64(s.after).every((v) => v === UNLABELED)), 'undo holds the slices as they were');

  const undone = applyVolumeEdit(ws, image.id, applied.undo);
  assert.deepEqual(ws.masks.labeledSlices(image.id), [2, 8], 'one undo takes back every slice');
  assert.equal(area(ws.masks.current(image.id, 8)!.data), area(disc(9)), 'keys untouched');
  applyVolumeEdit(ws, image.id, undone.undo);
  assert.deepEqual(ws.masks.labeledSlices(image.id), [2, 3, 4, 5, 6, 7, 8], 'and its undo redoes it');
});

test('a slice saved after the preview makes it stale: refused, and nothing is written', (t) => {
  const { ws, image } = volumeWithTwoKeys(t);
  const preview = interpolationPreview(ws, image.id);
  ws.masks.save(image.id, disc(1), W, H, { slice: 5 });
  assert.throws(() => applyVolumeEdit(ws, image.id, preview), (e: unknown) => e instanceof StaleRevisionError && e.currentRevision === 3 && e.expectedRevision === 2);
  assert.deepEqual(ws.masks.labeledSlices(image.id), [2, 5, 8]);
  assert.equal(area(ws.masks.current(image.id, 5)!.data), area(disc(1)));
  // A save elsewhere on the volume does not touch the edit's slices along axis 2: still accepted.
  const fresh = interpolationPreview(ws, image.id);
  ws.masks.save(image.id, disc(2), W, H, { slice: 11 });
  applyVolumeEdit(ws, image.id, fresh);
  assert.deepEqual(ws.masks.labeledSlices(image.id), [2, 3, 4, 5, 6, 7, 8, 11]);
});

test('one bad plane fails the whole edit: no slice is written', (t) => {
  const { ws, image } = volumeWithTwoKeys(t);
  const preview = interpolationPreview(ws, image.id);
  const bad = disc(4, 7);
  const edit = { ...preview, slices: [...preview.slices.slice(0, 2), { slice: 6, after: Buffer.from(bad).toString('base64') }] };
  assert.throws(() => applyVolumeEdit(ws, image.id, edit), (e: unknown) => e instanceof UserError && /uses class 7 but the project has 2 classes/.test(e.message));
  assert.deepEqual(ws.masks.labeledSlices(image.id), [2, 8]);
  assert.throws(() => applyVolumeEdit(ws, image.id, { ...preview, slices: [{ slice: 3, after: 'AAAA' }] }), /slice 3 of the edit holds 3 labels, expected 32×24/);
  assert.throws(() => applyVolumeEdit(ws, image.id, { ...preview, slices: [preview.slices[0]!, preview.slices[0]!] }), /names a slice twice/);
});

test('one labeled slice, or a plain image, is refused with what is needed', (t) => {
  const ws = tempWorkspace(t);
  const project = ws.projects.create('ct', [{ name: 'background', color: '#000000' }, { name: 'liver', color: '#ff0000' }]);
  const volume = ws.images.add({ projectId: project.id, path: '/ct.nii.gz', name: 'ct.nii.gz', contentHash: 'h', width: W, height: H, channels: 1, slices: N, modality: 'CT' });
  ws.masks.save(volume.id, disc(3), W, H, { slice: 4 });
  assert.throws(() => interpolationPreview(ws, volume.id), (e: unknown) => e instanceof UserError && /needs two labeled slices.*only slice 5 is labeled/.test(e.message));
  const plain = ws.images.add({ projectId: project.id, path: '/a.png', name: 'a.png', contentHash: 'p', width: W, height: H, channels: 1, slices: 1, modality: 'png' });
  assert.throws(() => interpolationPreview(ws, plain.id), /a.png is not a volume/);
});

test('along the coronal axis: planes read as maskAlong shows them, and applied planes land in the native slices', (t) => {
  const ws = tempWorkspace(t);
  const project = ws.projects.create('ct', [{ name: 'background', color: '#000000' }, { name: 'liver', color: '#ff0000' }]);
  const image = ws.images.add({ projectId: project.id, path: '/ct.nii.gz', name: 'ct.nii.gz', contentHash: 'h', width: W, height: H, channels: 1, slices: N, modality: 'CT' });
  // A block of liver through slices 3..9, rows 5..15: coronal planes 5..15 each hold a rectangle.
  for (let k = 3; k <= 9; k++) {
    const mask = new Uint8Array(W * H).fill(UNLABELED);
    for (let y = 5; y <= 15; y++) for (let x = 10; x < 20; x++) mask[y * W + x] = 1;
    ws.masks.save(image.id, mask, W, H, { slice: k });
  }
  const { planes } = labeledPlanesAlong(ws, image, 1);
  for (let j = 0; j < H; j++) assert.deepEqual(planes[j] ?? maskAlong(ws, image, 1, j).data, maskAlong(ws, image, 1, j).data, `coronal plane ${j}`);
  // Erase coronal planes 7..13, keep 5, 6, 14, 15 as keys: the interpolation fills 7..13 back.
  const erase = Buffer.from(new Uint8Array(W * N).fill(UNLABELED)).toString('base64');
  applyVolumeEdit(ws, image.id, { axis: 1, baseRevision: ws.masks.latestRevision(image.id), slices: [7, 8, 9, 10, 11, 12, 13].map((slice) => ({ slice, after: erase })) });
  const preview = interpolationPreview(ws, image.id, 1);
  assert.deepEqual(preview.slices.map((s) => s.slice), [7, 8, 9, 10, 11, 12, 13]);
  const applied = applyVolumeEdit(ws, image.id, preview);
  for (let k = 3; k <= 9; k++) assert.equal(area(ws.masks.current(image.id, k)!.data), 11 * 10, `slice ${k} is whole again`);
  applyVolumeEdit(ws, image.id, applied.undo);
  assert.equal(area(ws.masks.current(image.id, 5)!.data), 4 * 10, 'undo erases the filled rows again');
});
