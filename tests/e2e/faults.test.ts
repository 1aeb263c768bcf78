// Faults in a real browser against a real `segwork serve`: an acknowledged stroke survives a killed server,
// a lost connection shows a banner and recovers, and two windows painting one image keep both strokes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { MaskPayload } from '../../src/api/service.ts';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';
import { base64ToBytes } from '../../src/labels/index.ts';
import { chromiumMissing, ensureRendererBuilt, imageToScreen, launchBrowser, removeDir, startServe, tempDir, watchErrors, writeDiscImages, type Served } from './harness.ts';

const SIZE = 64;
const skipReason = chromiumMissing();
let dir: string;
let served: Served;
let browser: Browser;
let imageId: number;

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  dir = tempDir('segwork-e2e-faults-');
  writeDiscImages(path.join(dir, 'images'), ['x.png'], SIZE);
  served = await startServe(path.join(dir, 'workspace'));
  const project = await served.call<ProjectInfo>('createProject', 'Faults', [{ name: 'background', color: '#4caf50' }, { name: 'disc', color: '#e91e63' }]);
  const { added } = await served.call<{ added: ImageInfo[] }>('addImages', project.id, [path.join(dir, 'images')]);
  imageId = added[0].id;
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await served?.stop();
  if (dir) removeDir(dir);
});

async function openEditor(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  await page.goto(url);
  await page.getByRole('button', { name: 'x.png', exact: true }).click();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  return page;
}

/** A horizontal brush stroke of the given class along image row y, from x0 to x1. */
async function paintRow(page: Page, className: string, y: number, x0: number, x1: number): Promise<void> {
  await page.getByRole('button', { name: className, exact: true }).click();
  await page.getByRole('button', { name: 'Brush' }).click();
  await page.getByLabel('Brush size').fill('4');
  const at = await imageToScreen(page, SIZE, SIZE);
  await page.mouse.move(at(x0, y).x, at(x0, y).y);
  await page.mouse.down();
  await page.mouse.move(at(x1, y).x, at(x1, y).y, { steps: 4 });
  await page.mouse.up();
}

async function storedMask(): Promise<Uint8Array> {
  return base64ToBytes((await served.call<MaskPayload>('getMask', imageId)).data);
}

/** Polls the stored mask until pixel (x, y) has the class (autosave is asynchronous). */
async function waitForStored(x: number, y: number, value: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await storedMask())[y * SIZE + x] === value) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`pixel (${x}, ${y}) never became ${value} in the store`);
}

test('a stroke that autosave acknowledged survives a killed server', { skip: skipReason ?? false }, async () => {
  const page = await openEditor(served.url);
  await paintRow(page, 'disc', 10, 5, 40);
  await waitForStored(20, 10, 1);
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  served.child.kill('SIGKILL');
  await new Promise((resolve) => served.child.once('exit', resolve));
  served = await startServe(served.workspace);
  const mask = await storedMask();
  assert.equal(mask[10 * SIZE + 20], 1, 'the acknowledged stroke is in the reopened workspace');
  await page.close();
});

test('a lost connection shows a banner, which goes once the core answers again', { skip: skipReason ?? false }, async () => {
  const page = await openEditor(served.url);
  const errors = watchErrors(page);
  await page.context().setOffline(true);
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByLabel('Name filter').fill('x');
  const banner = page.getByRole('alert').filter({ hasText: 'Connection to Segwork lost' });
  await banner.waitFor();
  await page.context().setOffline(false);
  await banner.waitFor({ state: 'detached', timeout: 15_000 });
  await page.getByRole('button', { name: 'x.png', exact: true }).click();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  await paintRow(page, 'disc', 30, 5, 40);
  await waitForStored(20, 30, 1);
  assert.deepEqual(errors.filter((e) => !/Lost connection|ERR_INTERNET_DISCONNECTED|EventSource/.test(e)), []);
  await page.close();
});

test('two windows painting the same image keep both strokes', { skip: skipReason ?? false }, async () => {
  const first = await openEditor(served.url);
  const second = await openEditor(served.url);
  // Each window opened the same revision; each paints its own row, and each stroke is saved on top of the newest.
  await paintRow(first, 'background', 50, 5, 58);
  await waitForStored(30, 50, 0);
  await paintRow(second, 'disc', 56, 5, 58);
  await waitForStored(30, 56, 1);
  const mask = await storedMask();
  assert.equal(mask[50 * SIZE + 30], 0, "the first window's stroke is kept");
  assert.equal(mask[56 * SIZE + 30], 1, "the second window's stroke is kept");
  assert.equal(mask[10 * SIZE + 20], 1, 'earlier strokes are untouched');
  await first.close();
  await second.close();
});
