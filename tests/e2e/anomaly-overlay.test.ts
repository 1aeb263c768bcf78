// The "Anomaly" overlay in the workbench, on real pixels: an anomaly model trained by `segwork anomaly train` on ISBI
// 2012 membrane images (../shared/data) is chosen by its folder, and the open image, a held-out membrane image with
// a region of a CamVid street photograph pasted in, gets its anomaly map as the overlay and its score, which the
// workspace keeps. A folder that holds no anomaly model is refused with one message naming it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';
import { pasteRegion } from '../../src/anomaly/paste.ts';
import { matchBands } from '../../src/inference/segment-image.ts';
import { memorySource } from '../../src/inference/tiler.ts';
import { readUnlabeledImages } from '../../src/training/unlabeled-images.ts';
import { segwork } from '../helpers/cli.ts';
import { writeGrayPng } from '../helpers/images.ts';
import { chromiumMissing, closeWorkbench, ensureRendererBuilt, imageToScreen, layerPixel, openWorkbench, REPO_ROOT, startServe, tempDir, type Served } from './harness.ts';

const DATA = path.resolve(REPO_ROOT, '../shared/data');
const MEMBRANES = path.join(DATA, 'isbi2012-membrane');
const STREET = path.join(DATA, 'camvid/train/0001TP_006690.png');
const skipReason = chromiumMissing() ?? (existsSync(MEMBRANES) && existsSync(STREET) ? null : `${MEMBRANES} or ${STREET} is missing (../shared/data not present)`);
const SIZE = 512;
/** The pasted street region: 128² at (300, 120). */
const PASTE = { x: 300, y: 120, side: 128 };

let dir: string;
let modelDir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let image: ImageInfo;

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  dir = tempDir('segwork-e2e-anomaly-');
  const normal = path.join(dir, 'normal');
  mkdirSync(normal);
  for (const n of [0, 1, 2, 3]) copyFileSync(path.join(MEMBRANES, 'train/image', `${n}.png`), path.join(normal, `${n}.png`));
  modelDir = path.join(dir, 'anomaly-model');
  const trained = await segwork(['anomaly', 'train', '--images', normal, '--out', modelDir, '--steps', '40', '--size', '64', '--batch', '4']);
  if (trained.code !== 0) throw new Error(`segwork anomaly train failed: ${trained.stderr}`);

  const [heldOut] = await readUnlabeledImages([path.join(MEMBRANES, 'unlabeled/0.png')]);
  const [street] = await readUnlabeledImages([STREET]);
  const grey = matchBands(memorySource(street!.data, street!.width, street!.height, street!.bands), 1, STREET);
  const patch = { width: PASTE.side, height: PASTE.side, bands: 1, data: await grey.readWindow(150, 100, PASTE.side, PASTE.side) };
  const pasted = pasteRegion(heldOut!, patch, PASTE.x, PASTE.y).image;
  const folder = path.join(dir, 'images');
  writeGrayPng(path.join(folder, 'pasted.png'), SIZE, SIZE, Uint8Array.from(pasted.data));

  served = await startServe(path.join(dir, 'workspace'));
  const project = await served.call<ProjectInfo>('createProject', 'Membranes', [{ name: 'membrane', color: '#e91e63' }, { name: 'cell', color: '#2196f3' }]);
  [image] = (await served.call<{ added: ImageInfo[] }>('addImages', project.id, [folder])).added as [ImageInfo];
  ({ browser, page, errors } = await openWorkbench(served));
  await page.getByRole('button', { name: 'pasted.png', exact: true }).click();
  await page.getByLabel('Image canvas').waitFor();
});

after(() => closeWorkbench(browser, served, dir));

test('a folder without an anomaly model is refused, naming it; the Anomaly button waits for a model', { skip: skipReason ?? false, timeout: 60_000 }, async () => {
  assert.equal(await page.getByRole('button', { name: 'Anomaly', exact: true }).isDisabled(), true);
  await page.getByLabel('Anomaly model folder').fill(dir);
  await page.getByRole('button', { name: 'Use folder' }).click();
  await page.getByRole('alert').filter({ hasText: `${dir}: not an anomaly model: anomaly.json is missing` }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Anomaly', exact: true }).isDisabled(), true);
});

test('the Anomaly overlay shows the open image\'s map and score, and the workspace keeps the score', { skip: skipReason ?? false, timeout: 120_000 }, async () => {
  await page.getByLabel('Anomaly model folder').fill(modelDir);
  await page.getByRole('button', { name: 'Use folder' }).click();
  await page.getByLabel('Anomaly status').filter({ hasText: /^variational autoencoder, 4 normal image\(s\), σ 4$/ }).waitFor();
  await page.getByRole('button', { name: 'Anomaly', exact: true }).click();
  const status = page.getByLabel('Anomaly status').filter({ hasText: /^score \d+\.\d\d \(normal images ≈ 1\)$/ });
  await status.waitFor({ timeout: 90_000 });
  const shown = Number(/score (\d+\.\d\d)/.exec((await status.textContent())!)![1]);

  const at = await imageToScreen(page, SIZE, SIZE);
  const inside = await layerPixel(page, 2, at(PASTE.x + PASTE.side / 2, PASTE.y + PASTE.side / 2));
  assert.ok(inside[3] > 0, `the overlay is drawn over the pasted region: ${inside}`);

  const db = new Database(path.join(served.workspace, 'workspace.sqlite'), { readonly: true });
  try {
    const { anomaly } = db.prepare('SELECT anomaly FROM images WHERE id = ?').get(image.id) as { anomaly: number | null };
    assert.ok(anomaly !== null && Math.abs(anomaly - shown) <= 0.005, `the workspace keeps score ${anomaly}, the panel shows ${shown}`);
  } finally {
    db.close();
  }
  assert.deepEqual(errors, []);
});
