// Several processes writing one workspace at once, as a user's day can have it: `segwork serve` saving strokes while
// two `segwork import` runs fill one new project and `segwork train` records its run. Nothing is lost, every process
// finishes, and nobody sees SQLite's "database is locked" (WAL, a busy timeout, write transactions taken at once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { openWorkspace } from '../../src/store/workspace.ts';
import { segwork } from '../helpers/cli.ts';
import { writeSquaresDataset } from '../helpers/images.ts';
import { ensureRendererBuilt, removeDir, startServe, tempDir } from './harness.ts';

const SIDE = 64;
const IMAGES_PER_IMPORT = 40;

test('serve, two imports and a training run write one workspace at once without losing a write', async (t) => {
  ensureRendererBuilt();
  const dir = tempDir('segwork-e2e-concurrent-');
  t.after(() => removeDir(dir));
  const workspace = path.join(dir, 'workspace');
  const first = writeSquaresDataset(path.join(dir, 'first'), IMAGES_PER_IMPORT, 32);
  const second = writeSquaresDataset(path.join(dir, 'second'), IMAGES_PER_IMPORT, 32);
  // The second folder's images get other names, so the shared project holds both sets.
  const rename = (name: string) => name.replace('img', 'other');
  for (const folder of [second.images, second.labels]) {
    for (const name of readdirSync(folder)) renameSync(path.join(folder, name), path.join(folder, rename(name)));
  }

  const served = await startServe(workspace);
  t.after(() => served.stop());
  const project = await served.call<{ id: number }>('createProject', 'Paint', [{ name: 'background', color: '#000000' }, { name: 'stroke', color: '#ff0000' }]);
  const png = new PNG({ width: SIDE, height: SIDE });
  png.data.fill(128);
  const image = await served.call<{ id: number }>('uploadImage', project.id, 'canvas.png', PNG.sync.write(png).toString('base64'));

  let painting = true;
  let acknowledged = 0;
  const paintErrors: string[] = [];
  const painter = (async () => {
    let revision = 0;
    for (let k = 0; painting && k < SIDE * SIDE; k++) {
      try {
        const patch = { x: k % SIDE, y: Math.floor(k / SIDE), width: 1, height: 1, data: 'AQ==' };
        revision = (await served.call<{ revision: number }>('saveMaskPatches', image.id, revision, [patch])).revision;
        acknowledged = k + 1;
      } catch (error) {
        paintErrors.push((error as Error).message);
        return;
      }
    }
  })();

  const importArgs = (data: { images: string; labels: string }) => ['import', data.images, '--labels', data.labels, '--project', 'Shared', '--workspace', workspace, '--json'];
  const runs = await Promise.all([
    segwork(importArgs(first)),
    segwork(importArgs(second)),
    segwork(['train', '--images', first.images, '--labels', first.labels, '--out', path.join(dir, 'model'), '--model', 'unet', '--preset', 'tiny', '--size', '32', '--batch', '2', '--epochs', '3', '--steps', '3', '--workspace', workspace, '--json']),
  ]);
  painting = false;
  await painter;

  for (const run of runs) {
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stderr + run.stdout, /SQLITE_BUSY|database is locked/i);
  }
  assert.deepEqual(paintErrors, []);
  assert.ok(acknowledged > 10, `only ${acknowledged} strokes were saved while the CLIs ran`);

  const mask = Buffer.from((await served.call<{ data: string }>('getMask', image.id)).data, 'base64');
  assert.equal(mask.subarray(0, acknowledged).filter((v) => v !== 1).length, 0, 'every acknowledged stroke is stored');

  const ws = openWorkspace(workspace);
  t.after(() => ws.close());
  const shared = ws.projects.byName('Shared');
  assert.ok(shared, 'the two imports made one project');
  assert.equal(ws.projects.list().filter((p) => p.name === 'Shared').length, 1);
  const images = ws.images.query({ projectId: shared.id, limit: 1000 }).images;
  assert.equal(images.length, 2 * IMAGES_PER_IMPORT);
  for (const stored of images) assert.equal(ws.masks.revisions(stored.id).length, 1, stored.name);
  const trainRuns = ws.runs.list();
  assert.equal(trainRuns.length, 1);
  assert.equal(trainRuns[0]!.status, 'completed');
});
