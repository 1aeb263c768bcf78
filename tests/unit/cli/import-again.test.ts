// `segwork import` run again (after a kill, or by habit) adds nothing twice: no second image, no second mask
// revision of an unchanged label file; a label file that changed gets exactly one new revision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openWorkspace } from '../../../src/store/workspace.ts';
import { segwork } from '../../helpers/cli.ts';
import { writeGrayPng, writeSquaresDataset } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('importing the same folder again adds no image and no mask revision, and takes a changed label once', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 3, 16, [0, 1]);
  const ws = path.join(dir, 'ws');
  const args = ['import', data.images, '--labels', data.labels, '--project', 'squares', '--json', '--workspace', ws];
  const first = await segwork(args);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).added, 3);

  writeGrayPng(path.join(data.labels, 'img1.png'), 16, 16, new Uint8Array(16 * 16).fill(1));
  const again = await segwork(args);
  assert.equal(again.code, 0, again.stderr);
  const summary = JSON.parse(again.stdout);
  assert.equal(summary.added, 0);
  assert.equal(summary.alreadyThere, 3);

  const workspace = openWorkspace(ws);
  t.after(() => workspace.close());
  const project = workspace.projects.byName('squares')!;
  const images = workspace.images.query({ projectId: project.id }).images;
  assert.deepEqual(images.map((i) => i.name).sort(), ['img0.png', 'img1.png', 'img2.png']);
  for (const image of images) {
    const revisions = workspace.masks.revisions(image.id).length;
    assert.equal(revisions, image.name === 'img1.png' ? 2 : 1, image.name);
  }
  const changed = images.find((i) => i.name === 'img1.png')!;
  assert.ok(workspace.masks.current(changed.id)!.data.every((v) => v === 1));
});
