// A CT series in a real browser against a real `segwork serve`: the series opens as one volume at its middle slice,
// ↑/↓ and the slice bar move through it, strokes are stored per slice, Shift+↑ jumps to a labeled slice, Export
// downloads a DICOM SEG that holds exactly the painted voxels, and a stroke on the coronal view labels the slices
// it crosses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import type { DisplayImagePayload, MaskPayload } from '../../src/api/service.ts';
import type { ImageInfo } from '../../src/api/types.ts';
import { openRaster, readDicomSeg } from '../../src/io/index.ts';
import { ARTIFACTS, CT_SERIES, closeWorkbench, ctSeriesMissing, ctSeriesInWorkbench, imageToScreen, layerPixel, type Served } from './harness.ts';

const skipReason = ctSeriesMissing();
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let ct: ImageInfo;

before(async () => {
  if (skipReason) return;
  ({ dir, served, browser, page, errors, ct } = await ctSeriesInWorkbench('segwork-e2e-volumes-', { acceptDownloads: true }));
});

after(() => closeWorkbench(browser, served, dir));

const labeledPixels = (mask: MaskPayload) => Buffer.from(mask.data, 'base64').filter((v) => v !== 255).length;

async function waitForSlice(number: number): Promise<void> {
  await page.getByLabel('Slice number').filter({ hasText: `${number} / 20` }).waitFor();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
}

test('CT series: slice navigation, per-slice strokes, jump to labeled slices, DICOM SEG export', { skip: skipReason ?? false }, async () => {
  assert.equal(ct.slices, 20);
  await page.getByRole('button', { name: ct.name, exact: true }).click();
  await waitForSlice(11);

  // ↑ shows the next slice: the image layer matches what displayImage renders for slice 11.
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('ArrowUp');
  await waitForSlice(12);
  const png = PNG.sync.read(Buffer.from((await served.call<DisplayImagePayload>('displayImage', ct.id, { slice: 11 })).data, 'base64'));
  const at = await imageToScreen(page, ct.width, ct.height);
  const centre = at(256, 300);
  const shown = await layerPixel(page, 0, centre);
  const want = [0, 1, 2].map((c) => png.data[(300 * png.width + 256) * 4 + c]!);
  assert.ok(want.every((v, c) => Math.abs(v - shown[c]!) <= 3), `slice 12 shown (${shown} vs ${want})`);

  // Paint liver on slice 12 (index 11).
  await page.keyboard.press('2');
  await page.mouse.move(centre.x - 20, centre.y);
  await page.mouse.down();
  await page.mouse.move(centre.x + 20, centre.y, { steps: 6 });
  await page.mouse.up();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  assert.ok((await layerPixel(page, 1, centre))[3] > 0, 'the stroke is drawn');
  await page.getByLabel('Labeled slices').filter({ hasText: '1 labeled · this one' }).waitFor();
  assert.ok(labeledPixels(await served.call<MaskPayload>('getMask', ct.id, 11)) > 0);

  // Another slice has its own, empty mask; Shift+↑ comes back to the labeled one.
  await page.keyboard.press('PageDown');
  await waitForSlice(2);
  assert.equal((await layerPixel(page, 1, centre))[3], 0, 'slice 2 has no labels');
  assert.equal(labeledPixels(await served.call<MaskPayload>('getMask', ct.id, 1)), 0);
  await page.keyboard.press('Shift+ArrowUp');
  await waitForSlice(12);
  assert.ok((await layerPixel(page, 1, centre))[3] > 0, 'back on the painted slice');
  await page.screenshot({ path: path.join(ARTIFACTS, '11-ct-series-slice.png') });

  // Export as DICOM SEG: the download holds the painted voxels on slice index 11 only.
  await page.getByLabel('Export format').selectOption('dicom-seg');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export labels' }).click()]);
  assert.equal(download.suggestedFilename(), 'example_ct_dicom.seg.dcm');
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  const series = await openRaster(CT_SERIES);
  const seg = await readDicomSeg(file, series, { classes: [{ index: 1, name: 'liver', color: '#e91e63' }] });
  await series.close();
  const plane = 512 * 512;
  const perSlice = Array.from({ length: 20 }, (_, s) => seg.labels.subarray(s * plane, (s + 1) * plane).filter((v) => v === 1).length);
  const stored = labeledPixels(await served.call<MaskPayload>('getMask', ct.id, 11));
  assert.deepEqual(perSlice, perSlice.map((_, s) => (s === 11 ? stored : 0)));

  // Coronal view: a 512 × 20 plane through the middle row; a vertical stroke labels every slice it crosses.
  await page.getByLabel('View axis').selectOption('1');
  await page.getByLabel('Slice number').filter({ hasText: '257 / 512' }).waitFor();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  await page.getByRole('button', { name: 'Fit', exact: true }).click(); // the export's message banner may have moved the canvas
  const coronal = await imageToScreen(page, 512, 20);
  await page.mouse.move(coronal(100, 1).x, coronal(100, 1).y);
  await page.mouse.down();
  await page.mouse.move(coronal(100, 18).x, coronal(100, 18).y, { steps: 8 });
  await page.mouse.up();
  // The bar's count follows the store after each save.
  await page.getByLabel('Labeled slices').filter({ hasText: /^(1[7-9]|20) labeled/ }).waitFor({ timeout: 10_000 });
  const slices = await served.call<number[]>('labeledSlices', ct.id);
  assert.ok(slices.length >= 17, `the stroke crosses most slices (${slices})`);
  assert.ok(labeledPixels(await served.call<MaskPayload>('getMask', ct.id, 256, 1)) > 0, 'the coronal plane holds the stroke');
  await page.screenshot({ path: path.join(ARTIFACTS, '12-ct-series-coronal.png') });
  assert.deepEqual(errors, []);
});
