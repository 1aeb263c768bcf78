// Adding files as a user does: a drop of good and bad files adds every good one (each listed as it lands) and names
// each bad one with its reason; a thumbnail whose first load fails still shows; and the export menu offers what
// the core accepts for the file's real format (a plain TIFF exports as PNG, a GeoTIFF as GeoTIFF).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';
import { writeTiff } from '../../src/io/index.ts';
import { chromiumMissing, closeWorkbench, ensureRendererBuilt, openWorkbench, paintRow, startServe, tempDir, writeDiscImages, type Served } from './harness.ts';

const skipReason = chromiumMissing();
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let project: ProjectInfo;

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  dir = tempDir('segwork-e2e-files-');
  served = await startServe(path.join(dir, 'workspace'));
  project = await served.call<ProjectInfo>('createProject', 'Drops', [{ name: 'background', color: '#4caf50' }, { name: 'disc', color: '#e91e63' }]);
  writeDiscImages(dir, ['first.png', 'second.png'], 48);
  ({ browser, page, errors } = await openWorkbench(served, { acceptDownloads: true }));
  await page.getByRole('region', { name: 'Drop images here' }).waitFor();
});

after(() => closeWorkbench(browser, served, dir));

/** Drops files on the drop zone the way a file manager does: one DataTransfer holding them all. */
async function dropFiles(files: { name: string; bytes: Buffer }[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, data: f.bytes.toString('base64') }));
  await page.getByRole('region', { name: 'Drop images here' }).evaluate((zone, files) => {
    const transfer = new DataTransfer();
    for (const f of files) transfer.items.add(new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  }, payload);
}

const listed = () => page.getByRole('list', { name: 'Images' }).getByRole('button').allInnerTexts();

test('a drop adds every good file, lists each as it lands, and names each bad one with its reason', { skip: skipReason ?? false, timeout: 60_000 }, async () => {
  // Hold the last upload, so the list can be seen before the drop has finished.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let uploads = 0;
  let lastSent!: () => void;
  const lastRequested = new Promise<void>((resolve) => (lastSent = resolve));
  await page.route('**/api/uploadImage', async (route) => {
    if (++uploads === 4) {
      lastSent();
      await held;
    }
    await route.continue();
  });
  await dropFiles([
    { name: 'first.png', bytes: readFileSync(path.join(dir, 'first.png')) },
    { name: 'notes.txt', bytes: Buffer.from('not an image\n') },
    { name: 'broken.png', bytes: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 7)]) },
    { name: 'second.png', bytes: readFileSync(path.join(dir, 'second.png')) },
  ]);
  await page.getByRole('list', { name: 'Images' }).getByRole('button', { name: 'first.png' }).waitFor({ timeout: 20_000 });
  // The bad files in between do not stop the drop: the last file is sent too.
  await lastRequested;
  assert.ok(!(await listed()).some((t) => t.includes('second.png')), 'second.png is still held');
  release();
  await page.getByRole('list', { name: 'Images' }).getByRole('button', { name: 'second.png' }).waitFor({ timeout: 20_000 });
  await page.unroute('**/api/uploadImage');

  const message = page.getByText(/^Added 2 images; 2 not added:/);
  await message.waitFor();
  const text = await message.innerText();
  assert.match(text, /notes\.txt: [^;]+/, text);
  assert.match(text, /broken\.png: [^;]+/, text);
  assert.doesNotMatch(text, /first\.png|second\.png/, text);
  const { images } = await served.call<{ images: ImageInfo[] }>('listImages', { projectId: project.id });
  assert.deepEqual(images.map((i) => i.name).sort(), ['first.png', 'second.png']);
  assert.deepEqual(errors, []);
});

test('a thumbnail whose first load fails still shows its image, without a reload', { skip: skipReason ?? false, timeout: 60_000 }, async () => {
  let refused = 0;
  await page.route('**/api/displayImage', async (route) => {
    if (refused++ === 0) return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'busy', name: 'Error' }) });
    await route.continue();
  });
  writeDiscImages(dir, ['third.png'], 48);
  await page.getByLabel('Choose image files').setInputFiles(path.join(dir, 'third.png'));
  const tile = page.getByRole('list', { name: 'Images' }).getByRole('button', { name: 'third.png' });
  await tile.waitFor();
  await tile.locator('img').waitFor({ timeout: 20_000 });
  assert.ok(refused >= 2, 'the first load was refused and another one made');
  assert.ok(await tile.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the thumbnail is a decoded image');
  await page.unroute('**/api/displayImage');
});

/** Opens an image, paints one stroke of "disc" and waits for it to be stored. */
async function openAndPaint(name: string, size: number): Promise<void> {
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('list', { name: 'Images' }).getByRole('button', { name, exact: true }).click();
  await page.getByLabel('Open image').filter({ hasText: name }).waitFor();
  await page.getByLabel('Save status').filter({ hasText: /^Saved$/ }).waitFor();
  await paintRow(page, size, size / 2);
  await page.getByLabel('Save status').filter({ hasText: /^Saved$/ }).waitFor();
}

test('the export menu offers what the core accepts for the file: PNG first for a plain TIFF, GeoTIFF for a GeoTIFF', { skip: skipReason ?? false, timeout: 60_000 }, async () => {
  const size = 32;
  const pixels = new Uint8Array(size * size).map((_, i) => (i * 7) % 256);
  await writeTiff(path.join(dir, 'plain.tif'), { width: size, height: size, bands: 1, data: pixels, layout: 'pixel' });
  await writeTiff(path.join(dir, 'mapped.tif'), { width: size, height: size, bands: 1, data: pixels, layout: 'pixel', georeference: { geoTransform: [500000, 1, 0, 4000000, 0, -1], epsg: 32633 } });
  await served.call('addImages', project.id, [path.join(dir, 'plain.tif'), path.join(dir, 'mapped.tif')]);
  await page.getByLabel('Name filter').fill('.tif');

  await openAndPaint('plain.tif', size);
  const formats = () => page.getByLabel('Export format').locator('option').allInnerTexts();
  await page.getByLabel('Export format').locator('option').first().waitFor({ state: 'attached' });
  assert.deepEqual(await formats(), ['PNG mask', 'Colour PNG (class colours)', 'GeoJSON polygons']);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export labels' }).click();
  assert.match((await download).suggestedFilename(), /^plain\.labels\.png$/);

  await openAndPaint('mapped.tif', size);
  await page.getByLabel('Export format').locator('option', { hasText: 'GeoTIFF mask' }).waitFor({ state: 'attached' });
  assert.deepEqual(await formats(), ['GeoTIFF mask', 'GeoJSON polygons', 'PNG mask', 'Colour PNG (class colours)']);
  assert.deepEqual(errors, []);
});
