// Grow from seeds through a real CT series in a real browser against a real `segwork serve`: strokes of two classes
// on two slices, Shift+G previews the grown volume (hatched on the shared preview layer, nothing saved), Enter saves
// every slice in one transaction, one Ctrl+Z takes them all back; then a region of interest (a dragged rectangle and
// a range of slices) limits the growth, and nothing outside that box changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { MaskPayload } from '../../src/api/service.ts';
import type { ImageInfo } from '../../src/api/types.ts';
import { UNLABELED } from '../../src/labels/index.ts';
import { ARTIFACTS, closeWorkbench, ctSeriesMissing, ctSeriesInWorkbench, drawnNear as drawnNearOf, imageToScreen, pollUntil, showSlice as showSliceOf, type Served } from './harness.ts';

const skipReason = ctSeriesMissing();
const SLICES = 20;
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let ct: ImageInfo;

before(async () => {
  if (skipReason) return;
  ({ dir, served, browser, page, errors, ct } = await ctSeriesInWorkbench('segwork-e2e-grow-volume-'));
});

after(() => closeWorkbench(browser, served, dir));

const maskOf = async (slice: number) => Buffer.from((await served.call<MaskPayload>('getMask', ct.id, slice)).data, 'base64');
const allMasks = async () => Promise.all(Array.from({ length: SLICES }, (_, k) => maskOf(k)));
const labeledSlices = () => served.call<number[]>('labeledSlices', ct.id);

const showSlice = (number: number) => showSliceOf(page, number, SLICES);

/** A brush stroke of a class from (x0, y) to (x1, y) in image pixels. */
async function stroke(className: string, x0: number, x1: number, y: number): Promise<void> {
  await page.getByRole('button', { name: className, exact: true }).click();
  const at = await imageToScreen(page, ct.width, ct.height);
  await page.mouse.move(at(x0, y).x, at(x0, y).y);
  await page.mouse.down();
  await page.mouse.move(at(x1, y).x, at(x1, y).y, { steps: 6 });
  await page.mouse.up();
}

/** Liver strokes in the middle of the body and background strokes in the air above it, on slice numbers 9 and 13. */
async function paintSeeds(): Promise<void> {
  await page.getByRole('button', { name: ct.name, exact: true }).click();
  await showSlice(11);
  await page.getByRole('button', { name: 'Brush' }).click();
  await page.getByLabel('Brush size').fill('6');
  for (const number of [9, 13]) {
    await page.getByLabel('Image canvas').focus();
    while (!(await page.getByLabel('Slice number').textContent())!.startsWith(`${number} /`)) await page.keyboard.press(number < 11 ? 'ArrowDown' : 'ArrowUp');
    await showSlice(number);
    await stroke('liver', 220, 290, 300);
    await stroke('background', 40, 120, 20);
    await page.waitForTimeout(300);
    await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  }
  assert.deepEqual(await pollUntil(labeledSlices, (s) => s.length === 2, 20_000), [8, 12]);
}

const drawnNear = (layer: number, x: number, y: number) => drawnNearOf(page, layer, ct, x, y);

test('CT series: strokes on two slices grow through the volume; accepted as one edit and undone in one step', { skip: skipReason ?? false }, async () => {
  await paintSeeds();
  const strokes = await allMasks();
  // Every note the slice bar shows from here on, in order.
  await page.evaluate(() => {
    const note = document.querySelector('[aria-label="Volume edit"]')!;
    const notes: string[] = ((window as unknown as { notes: string[] }).notes = []);
    new MutationObserver(() => notes.push(note.textContent ?? '')).observe(note, { childList: true, characterData: true, subtree: true });
  });
  await page.getByLabel('Image canvas').focus();
  // Escape while it is computed cancels it: its answer never shows.
  await page.keyboard.press('Shift+G');
  await page.getByLabel('Volume edit').filter({ hasText: 'Growing through the volume…' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByLabel('Volume edit').filter({ hasText: 'Cancelled' }).waitFor();
  await page.keyboard.press('Shift+G');
  await page.getByLabel('Volume edit').filter({ hasText: `Preview on ${SLICES} slices (1–${SLICES})` }).waitFor({ timeout: 60_000 });
  const notes = await page.evaluate(() => (window as unknown as { notes: string[] }).notes.filter((n, i, all) => n !== all[i - 1]));
  assert.deepEqual(notes.map((n) => n.split(' (')[0]), ['Growing through the volume…', 'Cancelled', 'Growing through the volume…', `Preview on ${SLICES} slices`], 'the cancelled grow never showed');
  assert.deepEqual(await labeledSlices(), [8, 12], 'a preview saves nothing');
  // Slice 13 shows it (the preview layer, 3), over labels that are still only the strokes.
  assert.ok(await drawnNear(3, 400, 400), 'the grown volume is previewed on the slice shown');
  assert.equal(await drawnNear(1, 400, 400), false, 'where no stroke was painted');
  await page.screenshot({ path: path.join(ARTIFACTS, 'grow-volume-preview.png') });

  await page.keyboard.press('Enter');
  await page.getByLabel('Volume edit').filter({ hasText: `Filled ${SLICES} slices` }).waitFor();
  const grown = await allMasks();
  grown.forEach((mask, k) => {
    assert.ok(!mask.includes(UNLABELED), `slice ${k + 1} is labeled everywhere`);
    strokes[k]!.forEach((v, i) => v !== UNLABELED && assert.equal(mask[i], v, `stroke pixel ${i} of slice ${k + 1} kept its class`));
  });
  // Slice 1, far from both stroked slices, has both classes: the growth went through the volume.
  assert.ok(grown[0]!.includes(0) && grown[0]!.includes(1), 'both classes reach slice 1');
  await page.screenshot({ path: path.join(ARTIFACTS, 'grow-volume-accepted.png') });

  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('Control+z');
  await page.getByLabel('Volume edit').filter({ hasText: `Took back the ${SLICES} filled slices` }).waitFor();
  assert.deepEqual(await labeledSlices(), [8, 12]);
  (await allMasks()).forEach((mask, k) => assert.ok(mask.equals(strokes[k]!), `slice ${k + 1} is back to its strokes`));
  assert.deepEqual(errors, []);
});

test('CT series: a dragged rectangle and a range of slices limit the volume grow; nothing outside the box changes', { skip: skipReason ?? false }, async () => {
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  const before = await allMasks();
  // The ROI: a rectangle dragged over the image (around both classes' strokes), and slices 7 to 15.
  await page.getByRole('button', { name: 'Draw ROI' }).click();
  const at = await imageToScreen(page, ct.width, ct.height);
  await page.mouse.move(at(20, 10).x, at(20, 10).y);
  await page.mouse.down();
  await page.mouse.move(at(360, 400).x, at(360, 400).y, { steps: 5 });
  await page.mouse.up();
  const text = (await page.getByLabel('Grow region').textContent())!;
  const [x, y, width, height] = text.match(/\d+/g)!.map(Number) as [number, number, number, number];
  assert.ok(Math.abs(x - 20) <= 1 && Math.abs(y - 10) <= 1 && Math.abs(x + width - 361) <= 1 && Math.abs(y + height - 401) <= 1, `the rectangle dragged: ${text}`);
  await page.getByLabel('Grow first slice').fill('7');
  await page.getByLabel('Grow last slice').fill('15');
  await page.getByLabel('Grow last slice').press('Tab');
  await page.getByRole('button', { name: 'Grow volume' }).click();
  await page.getByLabel('Volume edit').filter({ hasText: 'Preview on 9 slices (7–15)' }).waitFor({ timeout: 60_000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'grow-volume-roi-preview.png') });
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('Enter');
  await page.getByLabel('Volume edit').filter({ hasText: 'Filled 9 slices' }).waitFor();

  const after = await allMasks();
  const inside = (i: number, k: number) => k >= 6 && k <= 14 && i % ct.width >= x && i % ct.width < x + width && Math.floor(i / ct.width) >= y && Math.floor(i / ct.width) < y + height;
  for (let k = 0; k < SLICES; k++) {
    for (let i = 0; i < after[k]!.length; i++) {
      if (inside(i, k)) assert.notEqual(after[k]![i], UNLABELED, `slice ${k + 1} pixel ${i % ct.width}, ${Math.floor(i / ct.width)} inside the box is grown`);
      else if (after[k]![i] !== before[k]![i]) assert.fail(`slice ${k + 1} pixel ${i % ct.width}, ${Math.floor(i / ct.width)} outside the box changed`);
    }
  }
  assert.ok(await drawnNear(1, x + 10, y + 10), 'the saved labels are shown');
  assert.deepEqual(errors, []);
});
