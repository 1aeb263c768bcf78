// Morphology on the whole volume of a real CT series, in a real browser against a real `segwork serve`: the M menu's
// "Whole volume" scope refuses a class with no voxel and a bad radius with one message each, changing nothing and
// keeping the undo history; remove islands previews the slices it changes (nothing saved), Enter saves them in one
// transaction so that no liver region of fewer voxels than asked remains in 3D (a small block spanning four slices,
// bigger than the limit in 3D though smaller on each slice, is kept), and one Ctrl+Z puts every slice back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { MaskPayload } from '../../src/api/service.ts';
import type { ImageInfo } from '../../src/api/types.ts';
import { base64ToBytes } from '../../src/labels/index.ts';
import { forEachRegion } from '../../src/labels/components.ts';
import { ARTIFACTS, closeWorkbench, ctSeriesMissing, ctSeriesInWorkbench, drawnNear, imageToScreen, pollUntil, showSlice as showSliceOf, type Served } from './harness.ts';

const skipReason = ctSeriesMissing();
const [SIDE, SLICES, LIVER, MIN_SIZE] = [512, 20, 1, 50];
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let ct: ImageInfo;

/** Liver blocks [x, y, side, first slice, last slice]: one large organ, four islands, one small block through four slices. */
const LARGE: Block = [226, 270, 60, 5, 14];
const ISLANDS: Block[] = [[100, 100, 3, 3, 3], [400, 120, 3, 8, 8], [120, 420, 3, 16, 16], [420, 420, 4, 11, 12]];
const SMALL_3D: Block = [60, 250, 4, 16, 19];
type Block = [x: number, y: number, side: number, first: number, last: number];

before(async () => {
  if (skipReason) return;
  ({ dir, served, browser, page, errors, ct } = await ctSeriesInWorkbench('segwork-e2e-volume-morph-'));
  for (const [x, y, side, first, last] of [LARGE, ...ISLANDS, SMALL_3D]) {
    const patch = { x, y, width: side, height: side, data: Buffer.alloc(side * side, LIVER).toString('base64') };
    for (let slice = first; slice <= last; slice++) await served.call('saveMaskPatches', ct.id, 0, [patch], slice);
  }
});

after(() => closeWorkbench(browser, served, dir));

async function storedVolume(): Promise<Uint8Array> {
  const volume = new Uint8Array(SIDE * SIDE * SLICES);
  for (let slice = 0; slice < SLICES; slice++) volume.set(base64ToBytes((await served.call<MaskPayload>('getMask', ct.id, slice)).data), slice * SIDE * SIDE);
  return volume;
}

/** Voxel counts of the liver's 26-connected regions, ascending. */
function liverRegions(volume: Uint8Array): number[] {
  const sizes: number[] = [];
  forEachRegion(volume, { width: SIDE, height: SIDE, depth: SLICES }, 'all', (_, size, value) => value === LIVER && sizes.push(size));
  return sizes.sort((a, b) => a - b);
}

const showSlice = (number: number) => showSliceOf(page, number, SLICES);

const volumeSummary = () => page.getByLabel('Morphology preview');

test('CT series: remove islands on the whole volume, refusals change nothing, one undo restores every slice', { skip: skipReason ?? false, timeout: 180_000 }, async () => {
  await page.getByRole('button', { name: ct.name, exact: true }).click();
  await showSlice(11);
  const original = await storedVolume();
  assert.deepEqual(liverRegions(original), [9, 9, 9, 32, 64, 36_000]);

  // A class with no voxel: one message, no preview, nothing saved.
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('m');
  await page.getByLabel('Morphology scope').selectOption('volume');
  await page.getByLabel('Morphology operation').selectOption('fill-holes');
  await page.getByLabel('Morphology class').selectOption({ label: 'background' });
  await page.getByRole('alert', { name: 'Morphology preview' }).filter({ hasText: /has no voxel of background: paint some/ }).waitFor();
  assert.equal(await page.getByLabel('Volume edit').innerText(), '', 'no preview offered');
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('Escape');

  // A stroke of background on this slice, so the undo history has something to keep.
  const at = await imageToScreen(page, SIDE, SIDE);
  await page.getByRole('button', { name: 'background', exact: true }).click();
  await page.getByRole('button', { name: 'Brush' }).click();
  await page.mouse.click(at(30, 30).x, at(30, 30).y);
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  const painted = await pollUntil(storedVolume, (v) => v[10 * SIDE * SIDE + 30 * SIDE + 30] === 0);
  assert.equal(painted[10 * SIDE * SIDE + 30 * SIDE + 30], 0, 'the stroke is saved');

  // A bad radius: refused at once, Apply disabled, Enter does nothing, the stroke still undoable.
  await page.getByRole('button', { name: 'Morphology', exact: true }).click();
  assert.equal(await page.getByLabel('Morphology scope').inputValue(), 'volume', 'the menu remembers the scope');
  await page.getByLabel('Morphology class').selectOption({ label: 'liver' });
  await page.getByLabel('Morphology operation').selectOption('grow');
  await page.getByLabel('Morphology radius').fill('-1');
  await page.getByRole('alert', { name: 'Morphology preview' }).filter({ hasText: /radius must be a whole number of pixels, 1 or more, got -1/ }).waitFor();
  assert.equal(await page.getByLabel('Morphology', { exact: true }).getByRole('button', { name: 'Apply', exact: true }).isDisabled(), true);
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('Enter');
  assert.ok(await page.getByRole('button', { name: 'Undo', exact: true }).isEnabled(), 'the undo history is intact');
  assert.deepEqual(await storedVolume(), painted, 'nothing changed');

  // Remove islands smaller than 50 voxels: a preview on the five slices holding islands; nothing saved yet.
  await page.getByLabel('Morphology operation').selectOption('remove-islands');
  await page.getByLabel('Smallest island kept').fill(String(MIN_SIZE));
  await volumeSummary().filter({ hasText: '0 voxels added, 59 removed on 5 slices' }).waitFor();
  await page.getByLabel('Volume edit').filter({ hasText: 'Preview on 5 slices (4–17)' }).waitFor();
  // The preview stays while the user browses to another slice of it: slice 12 holds an island and the organ.
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('ArrowUp');
  await showSlice(12);
  assert.equal(await page.getByLabel('Morphology', { exact: true }).count(), 1, 'the menu stays open');
  assert.ok(await drawnNear(page, 3, ct, 256, 300), 'slice 12 shows the previewed organ');
  await page.screenshot({ path: path.join(ARTIFACTS, '31-volume-morphology-preview.png') });
  assert.deepEqual(await storedVolume(), painted, 'a preview saves nothing');

  // Enter saves every changed slice at once: no liver region under 50 voxels remains in 3D.
  await page.keyboard.press('Enter');
  await page.getByLabel('Volume edit').filter({ hasText: 'Changed 5 slices; Ctrl+Z takes them all back' }).waitFor();
  const applied = await pollUntil(storedVolume, (v) => liverRegions(v).length === 2);
  assert.deepEqual(liverRegions(applied), [64, 36_000], 'the islands are gone; the block through four slices (64 voxels, 16 per slice) stays');
  for (const [x, y, , first, last] of ISLANDS) {
    for (let slice = first; slice <= last; slice++) assert.equal(applied[slice * SIDE * SIDE + y * SIDE + x], 255, `the island on slice ${slice + 1} is unlabeled now`);
  }
  assert.equal(applied[10 * SIDE * SIDE + 30 * SIDE + 30], 0, 'the background stroke is kept');
  assert.equal(await page.getByLabel('Morphology', { exact: true }).count(), 0, 'the menu closed');
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  assert.equal(await drawnNear(page, 3, ct, 256, 300), false, 'no preview is left');

  // One Ctrl+Z takes all five slices back.
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('Control+z');
  await page.getByLabel('Volume edit').filter({ hasText: 'Took back the 5 changed slices' }).waitFor();
  assert.deepEqual(await pollUntil(storedVolume, (v) => liverRegions(v).length === 6), painted, 'every slice is as it was');
  assert.deepEqual(errors, []);
});

test('CT series: interpolation and volume morphology share the preview; starting one drops the other\'s', { skip: skipReason ?? false, timeout: 120_000 }, async () => {
  const before = await storedVolume();
  const note = page.getByLabel('Volume edit');
  // The labeled slices leave two gaps (slices 5 and 16): the interpolation previews them.
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('i');
  await note.filter({ hasText: 'Preview on 2 slices (5–16)' }).waitFor();

  // M opens the menu on liver (still on the whole volume, remove islands under 50): its preview replaces the
  // interpolation's.
  await page.getByRole('button', { name: 'liver', exact: true }).click();
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('m');
  await volumeSummary().filter({ hasText: '0 voxels added, 59 removed on 5 slices' }).waitFor();
  await note.filter({ hasText: 'Preview on 5 slices (4–17)' }).waitFor();

  // I again: the menu closes with its preview, and Enter accepts the interpolation, not the morphology.
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('i');
  await note.filter({ hasText: 'Preview on 2 slices (5–16)' }).waitFor();
  assert.equal(await page.getByLabel('Morphology', { exact: true }).count(), 0, 'the morphology menu closed');
  await page.keyboard.press('Enter');
  await note.filter({ hasText: 'Filled 2 slices; Ctrl+Z takes them all back' }).waitFor();
  const filled = await storedVolume();
  for (const [x, y, , first] of ISLANDS) assert.equal(filled[first * SIDE * SIDE + y * SIDE + x], LIVER, `the island on slice ${first + 1} was not removed`);

  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('Control+z');
  await note.filter({ hasText: 'Took back the 2 filled slices' }).waitFor();
  assert.deepEqual(await pollUntil(storedVolume, (v) => liverRegions(v).length === 6), before);
  assert.deepEqual(errors, []);
});
