// Radiology and GIS display controls in a real browser against a real `segwork serve`, on real files from
// ../shared/data: CT window presets by key and by picker, free window/level by right-drag, and a GeoTIFF's band
// combinations. What the canvas shows is compared with what displayImage renders for the same choice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import type { DisplayImageOptions, DisplayImagePayload, MaskPayload } from '../../src/api/service.ts';
import { georeferenceOf, openRaster } from '../../src/io/index.ts';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';
import { ARTIFACTS, REPO_ROOT, chromiumMissing, closeWorkbench, ensureRendererBuilt, imageToScreen, layerPixel, openWorkbench, startServe, tempDir, type Served } from './harness.ts';

const DATA = path.resolve(REPO_ROOT, '../shared/data');
const CT = path.join(DATA, 'dicom-parser-samples', 'CT_small.dcm');
const NAIP = path.join(DATA, 'geotiff-reader-samples', 'opengeos', 'naip_m_4709963_se_14_1_20200831.tif');
const skipReason = chromiumMissing() ?? (existsSync(CT) && existsSync(NAIP) ? null : `${CT} or ${NAIP} is missing (../shared/data not present)`);
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
const images = new Map<string, ImageInfo>();

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  dir = tempDir('segwork-e2e-display-');
  served = await startServe(path.join(dir, 'workspace'));
  const project = await served.call<ProjectInfo>('createProject', 'Scans and maps', [{ name: 'background', color: '#4caf50' }, { name: 'target', color: '#e91e63' }]);
  const { added } = await served.call<{ added: ImageInfo[] }>('addImages', project.id, [CT, NAIP]);
  for (const image of added) images.set(image.name, image);
  ({ browser, page, errors } = await openWorkbench(served, { acceptDownloads: true }));
});

after(() => closeWorkbench(browser, served, dir));

/** displayImage decoded: RGBA per pixel. */
async function rendered(image: ImageInfo, options: DisplayImageOptions): Promise<PNG> {
  const payload = await served.call<DisplayImagePayload>('displayImage', image.id, options);
  return PNG.sync.read(Buffer.from(payload.data, 'base64'));
}

const rgbAt = (png: PNG, x: number, y: number) => [0, 1, 2].map((c) => png.data[(y * png.width + x) * 4 + c]);

/** True when the image layer shows `png`'s colour near image pixel (x, y) (nearest-neighbour scaling may pick a neighbour). */
async function showsNear(image: ImageInfo, png: PNG, x: number, y: number): Promise<boolean> {
  const at = await imageToScreen(page, image.width, image.height);
  const [r, g, b] = await layerPixel(page, 0, at(x, y));
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const want = rgbAt(png, Math.min(png.width - 1, Math.max(0, x + dx)), Math.min(png.height - 1, Math.max(0, y + dy)));
      if (Math.abs(want[0] - r) <= 2 && Math.abs(want[1] - g) <= 2 && Math.abs(want[2] - b) <= 2) return true;
    }
  }
  return false;
}

async function waitShowing(image: ImageInfo, png: PNG, x: number, y: number, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await showsNear(image, png, x, y)) return;
    await page.waitForTimeout(100);
  }
  assert.fail(`the canvas never showed ${what} at (${x}, ${y})`);
}

/** The pixel where two renders differ most: where a switch between them must show. */
function mostDifferent(a: PNG, b: PNG): [number, number] {
  let best = 0;
  let where: [number, number] = [0, 0];
  for (let y = 2; y < a.height - 2; y++) {
    for (let x = 2; x < a.width - 2; x++) {
      const d = rgbAt(a, x, y).reduce((s, v, c) => s + Math.abs(v - rgbAt(b, x, y)[c]), 0);
      if (d > best) [best, where] = [d, [x, y]];
    }
  }
  assert.ok(best > 60, 'the two choices render differently');
  return where;
}

test('CT: window presets by Shift+number and W, the picker, and window/level by right-drag', { skip: skipReason ?? false }, async () => {
  const ct = images.get('CT_small.dcm')!;
  await page.getByRole('button', { name: 'CT_small.dcm', exact: true }).click();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  const level = page.getByLabel('Window level');
  const lung = await rendered(ct, { window: { center: -600, width: 1500 } });
  const bone = await rendered(ct, { window: { center: 400, width: 1800 } });
  const brain = await rendered(ct, { window: { center: 40, width: 80 } });
  const [x, y] = mostDifferent(lung, brain);

  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('Shift+Digit1');
  await level.filter({ hasText: 'L -600 W 1500' }).waitFor();
  assert.equal(await page.getByLabel('Window preset').inputValue(), 'lung');
  await waitShowing(ct, lung, x, y, 'the lung window');
  await page.screenshot({ path: path.join(ARTIFACTS, '8-ct-lung-window.png') });

  await page.keyboard.press('Shift+Digit3');
  await level.filter({ hasText: 'L 400 W 1800' }).waitFor();
  await waitShowing(ct, bone, ...mostDifferent(lung, bone), 'the bone window');
  await page.keyboard.press('w');
  await level.filter({ hasText: 'L 40 W 80' }).waitFor();
  await waitShowing(ct, brain, x, y, 'the brain window');
  await page.getByLabel('Window preset').selectOption('abdomen');
  await level.filter({ hasText: 'L 50 W 400' }).waitFor();

  // Right-drag 100 px right and 40 px down from abdomen: a wider window at a higher level, drawn as rendered.
  const at = await imageToScreen(page, ct.width, ct.height);
  const start = at(ct.width / 2, ct.height / 2);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down({ button: 'right' });
  await page.mouse.move(start.x + 100, start.y + 40, { steps: 5 });
  await page.mouse.up({ button: 'right' });
  await level.filter({ hasText: 'L 130 W 600' }).waitFor();
  assert.equal(await page.getByLabel('Window preset').inputValue(), 'custom');
  const custom = await rendered(ct, { window: { center: 130, width: 600 } });
  await waitShowing(ct, custom, ...mostDifferent(custom, brain), 'the dragged window');
  await page.screenshot({ path: path.join(ARTIFACTS, '9-ct-dragged-window.png') });
  assert.deepEqual(errors, []);
});

test('GeoTIFF: true colour, NIR false colour and any three bands', { skip: skipReason ?? false }, async () => {
  const naip = images.get(path.basename(NAIP))!;
  assert.equal(naip.channels, 4);
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('button', { name: naip.name, exact: true }).click();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  assert.equal(await page.getByLabel('Window preset').count(), 0, 'no window controls for a map');
  const combination = page.getByLabel('Band combination');
  assert.equal(await combination.inputValue(), 'True colour');
  const trueColour = await rendered(naip, { bands: [0, 1, 2] });
  const falseColour = await rendered(naip, { bands: [3, 0, 1] });
  const [x, y] = mostDifferent(trueColour, falseColour);
  await waitShowing(naip, trueColour, x, y, 'true colour');

  await combination.selectOption('NIR false colour');
  await waitShowing(naip, falseColour, x, y, 'NIR false colour');
  assert.deepEqual(await Promise.all(['R', 'G', 'B'].map((s) => page.getByLabel(`Band for ${s}`).inputValue())), ['3', '0', '1']);
  await page.screenshot({ path: path.join(ARTIFACTS, '10-geotiff-false-colour.png') });

  // Any three bands: blue as green turns the choice into a custom one.
  await page.getByLabel('Band for G').selectOption('2');
  const custom = await rendered(naip, { bands: [3, 2, 1] });
  await waitShowing(naip, custom, ...mostDifferent(custom, falseColour), 'bands 4, 3, 2');
  assert.equal(await combination.inputValue(), 'Custom');

  // Paint on the false-colour view and export a GeoTIFF mask: same grid, CRS and transform as the image.
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('2');
  const at = await imageToScreen(page, naip.width, naip.height);
  await page.mouse.move(at(x, y).x - 15, at(x, y).y);
  await page.mouse.down();
  await page.mouse.move(at(x, y).x + 15, at(x, y).y, { steps: 5 });
  await page.mouse.up();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  // The menu is there from the start and fills in when the core has said which formats fit this file.
  await page.getByLabel('Export format').locator('option').first().waitFor({ state: 'attached' });
  assert.equal(await page.getByLabel('Export format').inputValue(), 'geotiff', 'a GeoTIFF exports as GeoTIFF first');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export labels' }).click()]);
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  const [mask, source] = [await openRaster(file), await openRaster(NAIP)];
  assert.deepEqual(georeferenceOf(mask), georeferenceOf(source));
  assert.deepEqual([mask.width, mask.height, mask.bands], [naip.width, naip.height, 1]);
  const values = await mask.readWindow(0, 0, mask.width, mask.height);
  await Promise.all([mask.close(), source.close()]);
  const stored = Buffer.from((await served.call<MaskPayload>('getMask', naip.id)).data, 'base64');
  assert.ok(stored.some((v) => v === 1), 'the stroke is stored');
  assert.deepEqual(Uint8Array.from(values), new Uint8Array(stored), 'the exported mask is the stored one');
  assert.deepEqual(errors, []);
});
