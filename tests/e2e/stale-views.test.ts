// Work that finishes after the user moved on must not land on what is shown now: a slow prediction is not laid
// over the next image.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, closeWorkbench, ensureRendererBuilt, imageToScreen, labeledDiscProject, layerPixel, openWorkbench, startServe, tempDir, type Served } from './harness.ts';

const SIZE = 64;
const skipReason = chromiumMissing();
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  dir = tempDir('segwork-e2e-stale-');
  served = await startServe(path.join(dir, 'workspace'));
  await labeledDiscProject(served, 'Alpha', path.join(dir, 'alpha'), ['a.png', 'b.png'], SIZE);
  ({ browser, page, errors } = await openWorkbench(served));
});

after(() => closeWorkbench(browser, served, dir));

async function openImage(name: string): Promise<void> {
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('button', { name, exact: true }).click();
  await page.getByLabel('Open image').filter({ hasText: name }).waitFor();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
}

test('train a model in the first project from the panel', { skip: skipReason ?? false, timeout: 200_000 }, async () => {
  await page.getByRole('button', { name: 'Editor' }).click();
  await page.getByLabel('Epochs').fill('1');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByLabel('Training status').filter({ hasText: /^Finished/ }).waitFor({ timeout: 180_000 });
  await page.getByRole('figure', { name: 'IoU per class' }).waitFor();
  assert.deepEqual(errors, []);
});

test('a prediction that comes back after another image was opened is not laid over it', { skip: skipReason ?? false, timeout: 60_000 }, async () => {
  await openImage('a.png');
  // Hold a.png's prediction until b.png is open, as a slow model would.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/predict', async (route) => {
    await held;
    await route.continue();
  });
  await page.getByRole('button', { name: 'Predict', exact: true }).click();
  await openImage('b.png');
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/predict'));
  release();
  await answered;
  await page.unroute('**/api/predict');
  await page.waitForTimeout(300);
  assert.equal(await page.getByLabel('Overlay', { exact: true }).count(), 0, 'b.png shows no prediction');
  const at = await imageToScreen(page, SIZE, SIZE);
  assert.equal((await layerPixel(page, 2, at(32, 32)))[3], 0, 'the overlay layer over b.png is empty');

  // Asked for b.png itself, its prediction shows.
  await page.getByRole('button', { name: 'Predict', exact: true }).click();
  await page.getByLabel('Overlay', { exact: true }).waitFor();
  assert.ok((await layerPixel(page, 2, at(32, 32)))[3] > 0, 'b.png’s own prediction is drawn');
  assert.deepEqual(errors, []);
});
