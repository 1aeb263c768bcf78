// Upgrading a workspace whose NIfTI masks were saved before volumes were shown radiologically: those masks are in the
// file's voxel order, and must come out in display order, on the same anatomy, with every revision turned, while
// export still writes the file-order label map it wrote before. Built the way the old code left it: a version-4
// workspace, an image record without displayReversed, masks whose bytes nibabel reads in file order from a real
// TotalSegmentator CT (RAS, so both in-plane axes are reversed on screen) and its liver label.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { openNifti } from '../../src/io/index.ts';
import { MIGRATIONS, migrate } from '../../src/store/migrations.ts';
import { openWorkspace, WORKSPACE_FILE } from '../../src/store/workspace.ts';
import { upgradeMaskOrder } from '../../src/use-cases/mask-order-upgrade.ts';
import { exportImageLabels } from '../../src/use-cases/label-export.ts';
import { importImages } from '../../src/use-cases/importing.ts';
import { createWorkbench } from '../../src/use-cases/workbench.ts';
import { UserError } from '../../src/api/errors.ts';
import { UNLABELED } from '../../src/api/types.ts';
import { sharedData, tempDir } from '../helpers/tmp.ts';
import { segwork } from '../helpers/cli.ts';

const data = path.join(sharedData, 'totalsegmentator-ct-mr');
const ct = path.join(data, 'example_ct_sm.nii.gz');
const seg = path.join(data, 'example_seg.nii.gz');
const PYTHON = '/usr/bin/python3';
const LIVER = 5; // classes_total.tsv

function nibabelMissing(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import nibabel'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'python3-nibabel is absent';
  }
}

const skipReason = existsSync(seg) ? nibabelMissing() : `no TotalSegmentator CT and labels at ${data}`;

/**
 * The liver as class 1 and the rest as class 0, slice k after slice k, each row-major in the file's voxel order as
 * nibabel reads it: what the old reader stored from `import --labels` of `labels/example_ct_sm.nii.gz`, written too.
 */
function fileOrderLiver(dir: string): Uint8Array {
  const out = path.join(dir, 'liver.u8');
  mkdirSync(path.join(dir, 'labels'));
  execFileSync(PYTHON, ['-c', `
import sys, numpy as np, nibabel as nib
image = nib.load(sys.argv[1])
liver = (np.asarray(image.dataobj) == ${LIVER}).astype(np.uint8)
liver.transpose(2, 1, 0).tofile(sys.argv[2])
nib.Nifti1Image(liver, image.affine, image.header).to_filename(sys.argv[3])`, seg, out, path.join(dir, 'labels', 'example_ct_sm.nii.gz')]);
  return new Uint8Array(readFileSync(out));
}

/** Voxels where the exported label map differs from the seg's liver (1) / rest (0), read by nibabel in file order. */
function exportMismatches(file: string): number {
  return Number(execFileSync(PYTHON, ['-c', `
import sys, numpy as np, nibabel as nib
seg, out = np.asarray(nib.load(sys.argv[1]).dataobj), np.asarray(nib.load(sys.argv[2]).dataobj)
print(int(np.count_nonzero(out != (seg == ${LIVER}).astype(np.uint8))) if out.shape == seg.shape else -1)`, seg, file]).toString());
}

/** The workspace as Segwork left it before the change: schema 4, NIfTI metadata without displayReversed, file-order masks. */
async function oldWorkspace(dir: string, liver: Uint8Array, moved: string, current: string): Promise<void> {
  const raster = await openNifti(ct);
  const { displayReversed, ...oldMetadata } = raster.metadata;
  assert.ok(displayReversed, 'the new reader records its reversals');
  const { width, height, slices } = raster;
  const file = path.join(dir, WORKSPACE_FILE);
  const db = new Database(file);
  migrate(db, file, MIGRATIONS.slice(0, 4));
  const metadata = (extra: object) => JSON.stringify({ format: 'nifti', dtype: raster.dtype, slices, ...oldMetadata, ...extra });
  const addImage = db.prepare(`INSERT INTO images (id, project_id, path, name, content_hash, width, height, channels, slices, modality, metadata_json, added_at)
    VALUES (?, 1, ?, ?, 'h', ${width}, ${height}, 1, ${slices}, 'volume', ?, 'then')`);
  const addMask = db.prepare('INSERT INTO masks (image_id, slice, revision, created_at, data, labeled_fraction) VALUES (?, ?, ?, \'then\', ?, ?)');
  const save = (image: number, slice: number, revision: number, mask: Uint8Array) =>
    addMask.run(image, slice, revision, zlib.deflateSync(mask), mask.filter((v) => v !== UNLABELED).length / mask.length);
  db.exec(`INSERT INTO projects (id, name, created_at) VALUES (1, 'ct', 'then');
    INSERT INTO classes (project_id, idx, name, color) VALUES (1, 0, 'background', '#000000'), (1, 1, 'liver', '#ff0000');`);
  addImage.run(1, ct, 'example_ct_sm.nii.gz', metadata({}));
  addImage.run(2, moved, 'moved.nii.gz', metadata({}));
  addImage.run(3, current, 'current.nii.gz', metadata({ displayReversed })); // imported since the change: display order
  const plane = width * height;
  let revision = 0;
  for (let k = 0; k < slices; k++) {
    const mask = liver.subarray(k * plane, (k + 1) * plane);
    // An older revision too where the liver shows: the first half of the rows only, as if painted in two sittings.
    if (mask.includes(1)) save(1, k, ++revision, mask.map((v, p) => (p < plane / 2 ? v : UNLABELED)));
    save(1, k, ++revision, mask);
  }
  save(2, 0, 1, liver.subarray(15 * plane, 16 * plane));
  save(3, 0, 1, liver.subarray(15 * plane, 16 * plane));
  db.close();
}

/** An old workspace in a temp folder: image 1 the CT, image 2 at a path where no file is (yet), image 3 in display order. */
async function oldWorkspaceIn(t: TestContext): Promise<{ dir: string; moved: string }> {
  const dir = tempDir(t);
  const moved = path.join(dir, 'moved.nii.gz'); // not there: the user moved the file
  const current = path.join(dir, 'current.nii.gz');
  copyFileSync(ct, current);
  await oldWorkspace(dir, fileOrderLiver(dir), moved, current);
  return { dir, moved };
}

test('NIfTI masks saved in file order before the radiological display are turned once, stay on their anatomy, and export as before', { skip: skipReason ?? false }, async (t) => {
  const { dir, moved } = await oldWorkspaceIn(t);

  const ws = openWorkspace(dir);
  t.after(() => ws.close());
  assert.deepEqual(ws.masks.fileOrderImages().map((i) => i.id), [1, 2], 'migration 5 marks the NIfTI images read by the old reader');
  const rawMasks = () => ws.db.prepare('SELECT id, data FROM masks ORDER BY id').all() as { id: number; data: Buffer }[];
  const before = rawMasks();

  const notices: string[] = [];
  const upgrade = await upgradeMaskOrder(ws, (line) => notices.push(line));
  assert.equal(upgrade.turned, 1);
  assert.deepEqual(upgrade.pending.map((p) => p.path), [moved]);
  assert.equal(notices.length, 1);
  assert.match(notices[0]!, /moved\.nii\.gz: its masks stay in the file's voxel order until it can be read/);
  assert.throws(() => ws.masks.current(2, 0), (e: unknown) => e instanceof UserError && /still in the file's voxel order/.test(e.message), 'a marked image\'s masks are refused, never shown flipped');

  // Every current mask is the liver as the new reader shows the label file: display order, slice by slice.
  const shownSeg = await openNifti(seg);
  const shownCt = await openNifti(ct);
  const { width, height } = shownCt;
  let liverColumns = 0;
  let liverPixels = 0;
  let liverHu = 0;
  let olderPixels = 0;
  for (const k of ws.masks.labeledSlices(1)) {
    const mask = ws.masks.current(1, k)!.data;
    const expected = (await shownSeg.readWindow(0, 0, width, height, k)).map((v) => (v === LIVER ? 1 : 0));
    assert.deepEqual(mask, Uint8Array.from(expected), `slice ${k} lines up with the displayed label file`);
    const hu = await shownCt.readWindow(0, 0, width, height, k);
    mask.forEach((v, p) => {
      if (v !== 1) return;
      liverColumns += p % width;
      liverPixels++;
      liverHu += hu[p]!;
    });
    // The older revision was turned too: what it held is part of the newest one, pixel for pixel.
    const [older] = ws.masks.revisions(1, k);
    const olderData = zlib.inflateSync((ws.db.prepare('SELECT data FROM masks WHERE image_id = 1 AND revision = ?').get(older!.revision) as { data: Buffer }).data);
    olderData.forEach((v, p) => {
      if (v !== 1) return;
      olderPixels++;
      assert.equal(mask[p], 1, `slice ${k}: the older revision's pixel ${p} lies on the liver`);
    });
  }
  assert.ok(liverPixels > 1000 && olderPixels > 100, `${liverPixels} liver pixels, ${olderPixels} of them in older revisions`);
  assert.ok(liverColumns / liverPixels < width / 2, 'the liver, on the patient\'s right, is on the screen\'s left');
  const meanHu = liverHu / liverPixels;
  assert.ok(meanHu > 20 && meanHu < 200, `the displayed CT under the mask is liver tissue (mean ${meanHu.toFixed(0)} HU)`);

  // Labeled fractions and revision numbers are untouched; the image saved in display order is left alone.
  const after = rawMasks();
  assert.deepEqual(after.map((r) => r.id), before.map((r) => r.id));
  assert.deepEqual(after.filter((r) => r.id >= after.length - 1), before.filter((r) => r.id >= before.length - 1), 'masks of images 2 (waiting) and 3 (display order) are as they were');

  // Export writes the file-order label map the old code wrote.
  // Importing the same labels again reads them in display order too: they equal what is stored, so nothing is added.
  const revisionCount = after.length;
  const reimport = await importImages(ws, 1, [ct], { labelsDir: path.join(dir, 'labels') });
  assert.deepEqual([reimport.existing.length, reimport.labeled, reimport.failed], [1, 1, []]);
  assert.equal(rawMasks().length, revisionCount, 'the re-import found every slice unchanged');

  const exported = path.join(dir, 'out.labels.nii.gz');
  await exportImageLabels(ws, ws.images.require(1), 'nifti', exported);
  assert.equal(exportMismatches(exported), 0);

  // The moved file is back: its image is turned on the next upgrade; a further upgrade changes nothing.
  copyFileSync(ct, moved);
  assert.deepEqual(await upgradeMaskOrder(ws), { turned: 1, pending: [] });
  assert.deepEqual(ws.masks.current(2, 0)!.data, ws.masks.current(1, 15)!.data);
  const settled = rawMasks();
  assert.deepEqual(await upgradeMaskOrder(ws), { turned: 0, pending: [] });
  assert.deepEqual(rawMasks(), settled, 'running the upgrade again changes nothing');
});

test('segwork export on an old workspace turns its NIfTI masks first, names the image it cannot, and writes the old file-order label map', { skip: skipReason ?? false }, async (t) => {
  const { dir, moved } = await oldWorkspaceIn(t);
  const out = path.join(dir, 'out');
  const run = await segwork(['export', '--project', 'ct', '--out', out, '--workspace', dir]);
  assert.equal(run.code, 2, run.stderr);
  assert.equal(run.stderr.split('\n').filter((l) => l.includes("stay in the file's voxel order")).length, 1, run.stderr);
  assert.match(run.stderr, new RegExp(`${moved.replace(/[.]/g, '\\.')}: its masks stay in the file's voxel order until it can be read`));
  assert.equal(exportMismatches(path.join(out, 'example_ct_sm.labels.nii.gz')), 0);
});

test('the workbench turns an old workspace\'s NIfTI masks as it starts: the editor gets them on the displayed anatomy', { skip: skipReason ?? false }, async (t) => {
  const { dir, moved } = await oldWorkspaceIn(t);
  const wb = await createWorkbench({ workspaceDir: dir });
  t.after(() => wb.close());
  assert.deepEqual(wb.workspace.masks.fileOrderImages().map((i) => i.path), [moved], 'only the image whose file is missing waits');
  const shownSeg = await openNifti(seg);
  const mask = await wb.getMask(1, 15);
  const expected = (await shownSeg.readWindow(0, 0, mask.width, mask.height, 15)).map((v) => (v === LIVER ? 1 : 0));
  assert.deepEqual(new Uint8Array(Buffer.from(mask.data, 'base64')), Uint8Array.from(expected));
  await assert.rejects(wb.getMask(2, 0), /still in the file's voxel order/);
});
