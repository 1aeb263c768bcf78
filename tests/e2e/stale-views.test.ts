// Work that finishes after the user moved on must not land on what is shown now: a slow prediction is not laid
// over the next image, and switching project leaves nothing of the last one to see or paint on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { MaskPayload } from '../../src/api/service.ts';
import type { ImageInfo } from '../../src/api/types.ts';
import { base64ToBytes } from '../../src/labels/index.ts';
import { chromiumMissing, closeWorkbench, ensureRendererBuilt, imageToScreen, labeledDiscProject, layerPixel, openWorkbench, paintRow as paintStroke, startServe, tempDir, type Served } from './harness.ts';

const SIZE = 64;
const skipReason = chromiumMissing();
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let alpha: ImageInfo[];
let beta: ImageInfo[];

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  dir = tempDir('segwork-e2e-stale-');
  served = await startServe(path.join(dir, 'workspace'));
  ({ images: alpha } = await labeledDiscProject(served, 'Alpha', path.join(dir, 'alpha'), ['a.png', 'b.png'], SIZE));
  ({ images: beta } = await labeledDiscProject(served, 'Beta', path.join(dir, 'beta'), ['c.png', 'd.png'], SIZE));
  ({ browser, page, errors } = await openWorkbench(served));
});

after(() => closeWorkbench(browser, served, dir));

async function openImage(name: string): Promise<void> {
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('button', { name, exact: true }).click();
  await page.getByLabel('Open image').filter({ hasText: name }).waitFor();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
}

const storedMask = async (image: ImageInfo) => base64ToBytes((await served.call<MaskPayload>('getMask', image.id)).data);

/** A horizontal brush stroke of "disc" along image row y. */
const paintRow = (y: number) => paintStroke(page, SIZE, y);

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

test('switching project closes the open image, its prediction and the training charts; no stroke lands in the wrong project', { skip: skipReason ?? false, timeout: 60_000 }, async () => {
  // Alpha's b.png is open with its prediction, and the charts of Alpha's training are shown.
  const [b] = alpha.filter((i) => i.name === 'b.png');
  await page.getByRole('figure', { name: 'IoU per class' }).waitFor();
  const stored = new Map<number, Uint8Array>();
  for (const image of [...alpha, ...beta]) stored.set(image.id, await storedMask(image));

  // A stroke still waiting for autosave when the project changes is stored where it was painted.
  await paintRow(50);
  await page.getByLabel('Project').selectOption({ label: 'Beta' });
  await page.getByText('Open an image from the Images view.').waitFor();
  assert.equal(await page.getByLabel('Open image').innerText(), '', 'no image of Alpha stays open');
  assert.equal(await page.getByLabel('Training status').innerText(), '', "Alpha's training status is gone");
  assert.equal(await page.getByRole('figure', { name: 'IoU per class' }).count(), 0, "Alpha's charts are gone");
  assert.equal(await page.getByLabel('Overlay', { exact: true }).count(), 0, "b.png's prediction is gone");
  const at = await imageToScreen(page, SIZE, SIZE);
  assert.equal((await layerPixel(page, 0, at(32, 32)))[3], 0, 'the canvas shows no image');
  assert.equal((await layerPixel(page, 2, at(32, 32)))[3], 0, 'the canvas shows no overlay');
  const afterSwitch = await storedMask(b);
  assert.equal(afterSwitch[50 * SIZE + 30], 1, 'the stroke painted before the switch is in b.png');

  // Painting now has nothing to paint on: no project's labels change.
  await paintRow(20);
  await page.waitForTimeout(500);
  for (const image of [...alpha, ...beta]) {
    const expected = image.id === b.id ? afterSwitch : stored.get(image.id)!;
    assert.deepEqual(await storedMask(image), expected, `${image.name}'s labels are unchanged`);
  }
  assert.deepEqual(errors, []);
});
