// Two browser windows on one served workspace, editing the same image: strokes from both survive and each window
// comes to show the other's, while a whole-mask change made on a copy the other window has changed is refused with
// a message, and the window that made it reloads the stored labels.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { MaskPayload } from '../../src/api/service.ts';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';
import { base64ToBytes } from '../../src/labels/index.ts';
import { chromiumMissing, closeWorkbench, ensureRendererBuilt, imageToScreen, layerPixel, launchBrowser, paintRow, startServe, tempDir, watchErrors, writeDiscImages, type Served } from './harness.ts';

const SIZE = 64;
const skipReason = chromiumMissing();
let dir: string;
let served: Served;
let browser: Browser;
let first: Page;
let second: Page;
let errors: string[];
let image: ImageInfo;

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  dir = tempDir('segwork-e2e-windows-');
  served = await startServe(path.join(dir, 'workspace'));
  writeDiscImages(path.join(dir, 'images'), ['shared.png'], SIZE);
  const project = await served.call<ProjectInfo>('createProject', 'Shared', [{ name: 'background', color: '#4caf50' }, { name: 'disc', color: '#e91e63' }]);
  [image] = (await served.call<{ added: ImageInfo[] }>('addImages', project.id, [path.join(dir, 'images')])).added;
  browser = await launchBrowser();
  errors = [];
  const open = async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    errors.push(...watchErrors(page));
    await page.goto(served.url);
    await page.getByRole('button', { name: 'shared.png', exact: true }).click();
    await page.getByLabel('Open image').filter({ hasText: 'shared.png' }).waitFor();
    await page.getByLabel('Save status').filter({ hasText: /^Saved$/ }).waitFor();
    return page;
  };
  first = await open();
  second = await open();
});

after(() => closeWorkbench(browser, served, dir));

const stored = async () => base64ToBytes((await served.call<MaskPayload>('getMask', image.id)).data);

async function paintSaved(page: Page, y: number): Promise<void> {
  await paintRow(page, SIZE, y);
  await page.getByLabel('Save status').filter({ hasText: /^Saved$/ }).waitFor();
}

/** Whether the page's label layer shows a class colour at an image pixel. */
async function shows(page: Page, x: number, y: number): Promise<boolean> {
  const at = await imageToScreen(page, SIZE, SIZE);
  return (await layerPixel(page, 1, at(x, y)))[3] > 0;
}

test('strokes painted in two windows on the same copy both survive, and each window shows both', { skip: skipReason ?? false, timeout: 60_000 }, async () => {
  await paintSaved(first, 10);
  await paintSaved(second, 40);
  const mask = await stored();
  assert.equal(mask[10 * SIZE + 30], 1, 'the first window’s stroke is stored');
  assert.equal(mask[40 * SIZE + 30], 1, 'the second window’s stroke is stored');
  // The second window saved on a stale copy: told so, it shows the first window's stroke too.
  await waitFor(() => shows(second, 30, 10), 'the second window shows the first window’s stroke');
  assert.ok(await shows(second, 30, 40));
});

test('a whole-mask change made on a stale copy is refused with a message, and the window reloads the stored labels', { skip: skipReason ?? false, timeout: 60_000 }, async () => {
  // The first window has not seen the second window's stroke; filling the unlabeled area touches the whole image.
  assert.ok(!(await shows(first, 30, 40)), 'the first window’s copy lacks the second window’s stroke');
  const before = await stored();
  await first.getByRole('button', { name: 'background', exact: true }).click();
  await first.getByRole('button', { name: 'Fill' }).click();
  const at = await imageToScreen(first, SIZE, SIZE);
  await first.mouse.click(at(1, 1).x, at(1, 1).y);
  await first.getByRole('alert').filter({ hasText: /changed in another window/ }).waitFor({ timeout: 20_000 });
  assert.deepEqual(await stored(), before, 'nothing of the refused change was written');
  await waitFor(() => shows(first, 30, 40), 'the first window reloaded and shows the second window’s stroke');
  assert.ok(!(await shows(first, 1, 1)), 'the refused fill is gone from the first window');
  await first.getByLabel('Save status').filter({ hasText: /^Saved$/ }).waitFor();
  assert.deepEqual(errors, []);
});

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) assert.fail(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
