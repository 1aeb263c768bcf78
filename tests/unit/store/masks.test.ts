import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotFoundError, StaleRevisionError } from '../../../src/api/errors.ts';
import type { Workspace } from '../../../src/store/workspace.ts';
import { tempWorkspace } from './temp-workspace.ts';

function setup(ws: Workspace, width = 64, height = 48) {
  const project = ws.projects.create('p', [
    { name: 'bg', color: '#000000' },
    { name: 'cell', color: '#ff0000' },
    { name: 'nucleus', color: '#00ff00' },
  ]);
  const image = ws.images.add({ projectId: project.id, path: '/x.png', name: 'x.png', contentHash: 'h', width, height, channels: 3, modality: 'rgb' });
  return { project, image };
}

/** A mask with a painted disc of class 1, a smaller disc of class 2 and the rest unlabeled. */
function discMask(width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height).fill(255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.hypot(x - width / 2, y - height / 2);
      if (r < 8) mask[y * width + x] = 2;
      else if (r < 16) mask[y * width + x] = 1;
    }
  }
  return mask;
}

test('save and current round-trip the exact bytes; the image follows the newest revision', (t) => {
  const ws = tempWorkspace(t);
  const { image } = setup(ws);
  assert.equal(ws.masks.current(image.id), null);
  assert.deepEqual(ws.masks.revisions(image.id), []);

  const partial = discMask(64, 48);
  const labeledPixels = partial.filter((v) => v !== 255).length;
  assert.equal(ws.masks.save(image.id, partial, 64, 48), 1);
  const stored = ws.masks.current(image.id)!;
  assert.deepEqual(stored, { revision: 1, width: 64, height: 48, data: partial });
  let info = ws.images.get(image.id)!;
  assert.deepEqual([info.labelStatus, info.labeledFraction, info.maskRevision], ['partial', labeledPixels / (64 * 48), 1]);
  // Stored compressed: a mostly-uniform mask takes far fewer bytes than its pixels.
  const blob = ws.db.prepare('SELECT length(data) FROM masks WHERE image_id = ?').pluck().get(image.id) as number;
  assert.ok(blob < partial.length / 4, `compressed ${blob} bytes for ${partial.length} pixels`);

  assert.equal(ws.masks.save(image.id, new Uint8Array(64 * 48).fill(0), 64, 48), 2);
  info = ws.images.get(image.id)!;
  assert.deepEqual([info.labelStatus, info.labeledFraction, info.maskRevision], ['labeled', 1, 2]);

  assert.equal(ws.masks.save(image.id, new Uint8Array(64 * 48).fill(255), 64, 48), 3);
  info = ws.images.get(image.id)!;
  assert.deepEqual([info.labelStatus, info.labeledFraction, info.maskRevision], ['unlabeled', 0, 3]);

  // History is kept.
  const revisions = ws.masks.revisions(image.id);
  assert.deepEqual(revisions.map((r) => [r.revision, r.labeledFraction]), [[1, labeledPixels / (64 * 48)], [2, 1], [3, 0]]);
  assert.ok(revisions.every((r) => /^\d{4}-\d\d-\d\dT/.test(r.createdAt)));
});

test('a stale expectedRevision throws StaleRevisionError and changes nothing', (t) => {
  const ws = tempWorkspace(t);
  const { image } = setup(ws, 8, 8);
  const first = new Uint8Array(64).fill(1);
  // 0 is the revision of an image without a mask.
  assert.equal(ws.masks.save(image.id, first, 8, 8, { expectedRevision: 0 }), 1);
  assert.equal(ws.masks.save(image.id, first, 8, 8, { expectedRevision: 1 }), 2);
  const before = { mask: ws.masks.current(image.id), image: ws.images.get(image.id), revisions: ws.masks.revisions(image.id) };

  assert.throws(() => ws.masks.save(image.id, new Uint8Array(64).fill(255), 8, 8, { expectedRevision: 1 }), (error: unknown) => {
    assert.ok(error instanceof StaleRevisionError);
    assert.deepEqual([error.imageId, error.expectedRevision, error.currentRevision], [image.id, 1, 2]);
    assert.match(error.message, /at revision 2, not 1/);
    return true;
  });
  assert.deepEqual({ mask: ws.masks.current(image.id), image: ws.images.get(image.id), revisions: ws.masks.revisions(image.id) }, before);
  assert.equal(ws.masks.save(image.id, first, 8, 8, { expectedRevision: 2 }), 3);
});

test('a mask of the wrong size or with an unknown class is refused and changes nothing', (t) => {
  const ws = tempWorkspace(t);
  const { image } = setup(ws, 8, 4);
  assert.throws(() => ws.masks.save(image.id, new Uint8Array(31), 8, 4), /has 31 bytes, expected 8×4 = 32/);
  assert.throws(() => ws.masks.save(image.id, new Uint8Array(32), 4, 8), /is 4×8 but the image is 8×4/);
  const withClass3 = new Uint8Array(32).fill(255);
  withClass3[5] = 3;
  assert.throws(() => ws.masks.save(image.id, withClass3, 8, 4), /uses class 3 but the project has 3 classes/);
  assert.throws(() => ws.masks.save(image.id + 1, new Uint8Array(32), 8, 4), NotFoundError);
  assert.deepEqual(ws.masks.revisions(image.id), []);
  assert.equal(ws.images.get(image.id)!.labelStatus, 'unlabeled');
});

test('masks saved inside a workspace transaction roll back with it', (t) => {
  const ws = tempWorkspace(t);
  const { image } = setup(ws, 4, 4);
  ws.masks.save(image.id, new Uint8Array(16).fill(0), 4, 4);
  assert.throws(() => ws.transaction(() => {
    ws.masks.save(image.id, new Uint8Array(16).fill(1), 4, 4);
    ws.masks.save(image.id, new Uint8Array(16).fill(2), 4, 4);
    throw new Error('abandon');
  }), /abandon/);
  assert.deepEqual(ws.masks.current(image.id)!.data, new Uint8Array(16).fill(0));
  assert.equal(ws.images.get(image.id)!.maskRevision, 1);
});

test('each slice of a volume has its own mask history; the image fraction is the mean over all its slices', (t) => {
  const ws = tempWorkspace(t);
  const project = ws.projects.create('ct', [{ name: 'bg', color: '#000000' }, { name: 'liver', color: '#ff0000' }]);
  const volume = ws.images.add({ projectId: project.id, path: '/ct.nii.gz', name: 'ct.nii.gz', contentHash: 'h', width: 4, height: 4, channels: 1, slices: 4, modality: 'CT' });
  assert.equal(volume.slices, 4);
  const full = new Uint8Array(16).fill(1);
  const half = new Uint8Array(16).fill(255).fill(0, 0, 8);
  assert.equal(ws.masks.save(volume.id, full, 4, 4, { slice: 2 }), 1);
  assert.equal(ws.masks.save(volume.id, half, 4, 4, { slice: 0, expectedRevision: 0 }), 2);
  assert.deepEqual(ws.masks.current(volume.id, 2)!.data, full);
  assert.deepEqual(ws.masks.current(volume.id, 0)!.data, half);
  assert.equal(ws.masks.current(volume.id, 1), null);
  assert.deepEqual(ws.masks.labeledSlices(volume.id), [0, 2]);
  let info = ws.images.get(volume.id)!;
  assert.equal(info.labeledFraction, (1 + 0.5) / 4);
  assert.equal(info.labelStatus, 'partial');
  // A newer revision of slice 2 replaces that slice's share only; another slice's revision is not stale for it.
  assert.equal(ws.masks.save(volume.id, new Uint8Array(16).fill(255), 4, 4, { slice: 2, expectedRevision: 1 }), 3);
  assert.throws(() => ws.masks.save(volume.id, full, 4, 4, { slice: 0, expectedRevision: 0 }), StaleRevisionError);
  info = ws.images.get(volume.id)!;
  assert.equal(info.labeledFraction, 0.5 / 4);
  assert.deepEqual(ws.masks.labeledSlices(volume.id), [0]);
  assert.deepEqual(ws.masks.revisions(volume.id, 2).map((r) => r.revision), [1, 3]);
  assert.throws(() => ws.masks.save(volume.id, full, 4, 4, { slice: 4 }), /slice 4 but the image has 4 slice\(s\)/);
});
