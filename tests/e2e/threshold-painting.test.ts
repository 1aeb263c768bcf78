// Threshold painting in a real browser against a real `segwork serve`, checked against the core's own raw values
// (intensityPlane): on a CT series, the bone preset's brush paints every bone pixel under a wide stroke across bone
// and soft tissue and nothing else, the fill fills exactly one connected bone region, the tint follows the range,
// and min > max is refused with one message, nothing painted and the undo history as it was; on an RGB aerial tile,
// a range on one band does the same.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { IntensityPlanePayload, MaskPayload } from '../../src/api/service.ts';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';
import { HU_PRESETS, inRange, type IntensityRange } from '../../src/labels/index.ts';
import { ARTIFACTS, REPO_ROOT, chromiumMissing, closeWorkbench, ensureRendererBuilt, imageToScreen, layerPixel, openWorkbench, startServe, tempDir, type Served } from './harness.ts';

const DATA = path.resolve(REPO_ROOT, '../shared/data');
const SERIES = path.join(DATA, 'totalsegmentator-ct-mr/example_ct_dicom');
const AERIAL = path.join(DATA, 'dubai-aerial-landcover/Tile 1/images/image_part_003.jpg');
const skipReason = chromiumMissing() ?? (existsSync(SERIES) && existsSync(AERIAL) ? null : `${SERIES} or ${AERIAL} is missing (../shared/data not present)`);
/** The tint's layer among the stage's canvases: image, labels, overlay, a tool's preview, tools, threshold tint. */
const TINT_LAYER = 5;
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let ct: ImageInfo;
let aerial: ImageInfo;

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  dir = tempDir('segwork-e2e-threshold-');
  served = await startServe(path.join(dir, 'workspace'));
  const classes = [{ name: 'bone', color: '#e91e63' }, { name: 'other', color: '#4caf50' }];
  const ctProject = await served.call<ProjectInfo>('createProject', 'CT', classes);
  [ct] = (await served.call<{ added: ImageInfo[] }>('addImages', ctProject.id, [SERIES])).added as [ImageInfo];
  const aerialProject = await served.call<ProjectInfo>('createProject', 'Aerial', classes);
  [aerial] = (await served.call<{ added: ImageInfo[] }>('addImages', aerialProject.id, [AERIAL])).added as [ImageInfo];
  ({ browser, page, errors } = await openWorkbench(served));
});

after(() => closeWorkbench(browser, served, dir));

async function rawPlane(image: ImageInfo, slice: number, band = 0): Promise<Float32Array> {
  const plane = await served.call<IntensityPlanePayload>('intensityPlane', image.id, { slice, band });
  const bytes = Buffer.from(plane.data, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

async function savedMask(image: ImageInfo, slice: number): Promise<MaskPayload> {
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  return served.call<MaskPayload>('getMask', image.id, slice);
}

/** Runs a user action that changes the labels, and returns the mask once the change is stored. */
async function changed(image: ImageInfo, slice: number, action: () => Promise<void>): Promise<Uint8Array> {
  const before = (await savedMask(image, slice)).revision;
  await action();
  // The page handles the last pointer or key event after playwright returns: wait for the store, not the label.
  for (let i = 0; i < 100; i++) {
    if ((await served.call<MaskPayload>('getMask', image.id, slice)).revision > before) {
      return Buffer.from((await savedMask(image, slice)).data, 'base64');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the labels of ${image.name} (slice ${slice}) never changed`);
}

/** A horizontal brush stroke along image row y from x0 to x1, as a user drags it. */
async function stroke(image: ImageInfo, y: number, x0: number, x1: number): Promise<void> {
  const at = await imageToScreen(page, image.width, image.height);
  await page.mouse.move(at(x0, y).x, at(x0, y).y);
  await page.mouse.down();
  await page.mouse.move(at(x1, y).x, at(x1, y).y, { steps: 20 });
  await page.mouse.up();
}

/**
 * Every painted pixel lies in the range, and every in-range pixel well inside the stroke (its row band, 2 pixels in
 * from the brush's edge, for the pointer's sub-pixel rounding) was painted. Returns the painted count.
 */
function checkStroke(mask: Uint8Array, values: Float32Array, range: IntensityRange, width: number, stroke: { y: number; x0: number; x1: number; size: number }): number {
  let painted = 0;
  let missed = 0;
  const inner = stroke.size / 2 - 2;
  for (let i = 0; i < mask.length; i++) {
    const x = i % width;
    const y = (i - x) / width;
    if (mask[i] !== 255) {
      painted++;
      assert.ok(inRange(values[i]!, range), `painted pixel (${x}, ${y}) has ${values[i]}, outside ${range.min}..${range.max}`);
    } else if (x >= stroke.x0 && x <= stroke.x1 && Math.abs(y + 0.5 - (stroke.y + 0.5)) <= inner && inRange(values[i]!, range)) {
      missed++;
    }
  }
  assert.equal(missed, 0, `${missed} in-range pixels under the stroke were left unpainted`);
  return painted;
}

/** The image row whose band of ±half rows between x0 and x1 holds the most pixels in `range` and at least as many outside. */
function mixedRow(values: Float32Array, width: number, height: number, range: IntensityRange, half: number, x0: number, x1: number): number {
  let best = -1;
  let bestCount = 0;
  for (let y = half; y < height - half; y += 4) {
    let inside = 0;
    let outside = 0;
    for (let r = y - half; r <= y + half; r++) for (let x = x0; x <= x1; x++) inRange(values[r * width + x]!, range) ? inside++ : outside++;
    if (outside > inside && inside > bestCount) [best, bestCount] = [y, inside];
  }
  assert.ok(best >= 0 && bestCount > 100, 'the plane has a row band with pixels in and out of the range');
  return best;
}

/** The largest 4-connected set of in-range pixels, and one of its pixels whose 3×3 neighbours all belong to it. */
function largestRegion(values: Float32Array, width: number, height: number, range: IntensityRange): { region: Uint8Array; seed: { x: number; y: number } } {
  const label = new Int32Array(values.length).fill(-1);
  let best = { id: -1, size: 0 };
  for (let start = 0, id = 0; start < values.length; start++) {
    if (label[start] !== -1 || !inRange(values[start]!, range)) continue;
    const stack = [start];
    label[start] = id;
    let size = 0;
    while (stack.length) {
      const p = stack.pop()!;
      size++;
      const x = p % width;
      for (const q of [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, p - width, p + width]) {
        if (q >= 0 && q < values.length && label[q] === -1 && inRange(values[q]!, range)) (label[q] = id), stack.push(q);
      }
    }
    if (size > best.size) best = { id, size };
    id++;
  }
  const region = Uint8Array.from(label, (l) => (l === best.id ? 1 : 0));
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      let all = true;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) all &&= region[(y + dy) * width + x + dx] === 1;
      if (all) return { region, seed: { x, y } };
    }
  }
  throw new Error('no region wide enough to click into');
}

async function openImage(image: ImageInfo, project: string, sliceText?: string): Promise<void> {
  await page.getByLabel('Project', { exact: true }).selectOption({ label: project });
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('button', { name: image.name, exact: true }).click();
  if (sliceText) await page.getByLabel('Slice number').filter({ hasText: sliceText }).waitFor();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  await page.getByLabel('Image canvas').focus();
}

test('CT: the bone preset paints only bone, the fill one bone region, the tint follows the range, min > max is refused', { skip: skipReason ?? false }, async () => {
  await openImage(ct, 'CT', '11 / 20');
  const { width, height } = ct;
  const bone = HU_PRESETS.bone;

  // T turns threshold mode on; scans start at the bone preset, and the tint covers exactly the bone pixels.
  await page.keyboard.press('t');
  await page.getByLabel('Threshold preset').selectOption('bone');
  assert.equal(await page.getByLabel('Threshold min').inputValue(), String(bone.min));
  const hu = await rawPlane(ct, 10);
  const at = await imageToScreen(page, width, height);
  const boneAt = hu.findIndex((v, i) => v > 600 && i % width > 100 && i % width < 400);
  const softAt = hu.findIndex((v, i) => v > 20 && v < 60 && i % width > 100 && i % width < 400);
  const pixel = (i: number) => at(i % width, Math.floor(i / width));
  await page.waitForFunction(() => document.querySelectorAll('[aria-label="Image canvas"] canvas').length >= 5);
  await waitForTint(pixel(boneAt), true);
  assert.equal((await layerPixel(page, TINT_LAYER, pixel(softAt)))[3], 0, 'soft tissue is not tinted');
  // The tint follows the range: from 700 HU up, a 600 HU pixel is no longer tinted.
  const at600 = hu.findIndex((v, i) => v >= 600 && v < 700 && i % width > 50);
  await waitForTint(pixel(at600), true);
  await page.getByLabel('Threshold min').fill('700');
  await waitForTint(pixel(at600), false);
  await page.getByLabel('Threshold preset').selectOption('bone');
  await waitForTint(pixel(at600), true);
  await page.screenshot({ path: path.join(ARTIFACTS, '30-threshold-bone-preview.png') });

  // A wide stroke across bone and soft tissue.
  const size = 40;
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('b');
  await page.getByLabel('Brush size').fill(String(size));
  const y = mixedRow(hu, width, height, bone, size / 2 - 2, 60, 450);
  const mask = await changed(ct, 10, () => stroke(ct, y, 60, 450));
  const painted = checkStroke(mask, hu, bone, width, { y, x0: 60, x1: 450, size });
  assert.ok(painted > 100, `the stroke painted ${painted} bone pixels`);
  assert.ok(painted < size * 400, 'and not the whole stroke');

  // One stroke is one undo step.
  const undone = await changed(ct, 10, () => page.keyboard.press('Control+z'));
  assert.ok(undone.every((v) => v === 255), 'undo takes the whole stroke back');
  assert.deepEqual(await changed(ct, 10, () => page.keyboard.press('Control+Shift+z')), mask, 'redo puts it back');

  // The fill on the next slice: exactly the connected bone region around the click.
  await page.keyboard.press('ArrowUp');
  await page.getByLabel('Slice number').filter({ hasText: '12 / 20' }).waitFor();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  await page.getByLabel('Threshold plane values').waitFor(); // this slice's values are read: strokes use them
  await page.keyboard.press('f');
  const next = await rawPlane(ct, 11);
  const { region, seed } = largestRegion(next, width, height, bone);
  const click = at(seed.x, seed.y);
  const filled = await changed(ct, 11, () => page.mouse.click(click.x, click.y));
  assert.ok(region.some((v) => v === 1));
  assert.deepEqual(Array.from(filled, (v) => (v === 255 ? 0 : 1)), Array.from(region), 'the fill is the connected bone region, nothing more');

  // min > max: one message naming both values, nothing painted, undo history as it was.
  const canUndoBefore = await page.getByRole('button', { name: 'Undo' }).isEnabled();
  await page.getByLabel('Threshold min').fill('500');
  await page.getByLabel('Threshold max').fill('100');
  await page.getByLabel('Threshold problem').waitFor();
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('b');
  const before = await savedMask(ct, 11);
  await stroke(ct, seed.y, seed.x - 30, seed.x + 30);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /min 500 is greater than max 100/);
  assert.equal(await alert.count(), 1);
  const after = await savedMask(ct, 11);
  assert.deepEqual([after.revision, after.data], [before.revision, before.data], 'nothing painted');
  assert.equal(await page.getByRole('button', { name: 'Undo' }).isEnabled(), canUndoBefore, 'undo history intact');
  await page.getByRole('button', { name: 'Dismiss message' }).click();
  assert.deepEqual(errors, []);
});

test('RGB aerial tile: a range on the blue band paints only pixels whose blue value lies in it', { skip: skipReason ?? false }, async () => {
  await openImage(aerial, 'Aerial');
  const { width, height } = aerial;
  // Threshold mode stays on from the CT test; another image starts at its plane's full span.
  await page.getByLabel('Threshold band').selectOption('2');
  const blue = await rawPlane(aerial, 0, 2);
  // The middle third of the blue values: a range with pixels on both sides.
  const sorted = Float32Array.from(blue).sort();
  const range = { min: Math.round(sorted[Math.floor(sorted.length / 3)]!), max: Math.round(sorted[Math.floor((sorted.length * 2) / 3)]!) };
  await page.getByLabel('Threshold min').fill(String(range.min));
  await page.getByLabel('Threshold max').fill(String(range.max));
  const inside = blue.findIndex((v) => v >= range.min && v <= range.max);
  const above = blue.findIndex((v) => v > range.max);
  const at = await imageToScreen(page, width, height);
  await waitForTint(at(inside % width, Math.floor(inside / width)), true);
  await waitForTint(at(above % width, Math.floor(above / width)), false);
  assert.equal(await page.getByLabel('Threshold min').inputValue(), String(range.min), 'the range typed is the range used');

  const size = 30;
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('b');
  await page.getByLabel('Brush size').fill(String(size));
  const x0 = Math.round(width * 0.1);
  const x1 = Math.round(width * 0.9);
  const y = mixedRow(blue, width, height, range, size / 2 - 2, x0, x1);
  const mask = await changed(aerial, 0, () => stroke(aerial, y, x0, x1));
  const painted = checkStroke(mask, blue, range, width, { y, x0, x1, size });
  assert.ok(painted > 100, `the stroke painted ${painted} pixels`);
  await page.screenshot({ path: path.join(ARTIFACTS, '31-threshold-aerial-band.png') });
  assert.deepEqual(errors, []);
});

async function waitForTint(at: { x: number; y: number }, tinted: boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await layerPixel(page, TINT_LAYER, at))[3] > 0 === tinted) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the threshold tint at (${at.x}, ${at.y}) should be ${tinted ? 'shown' : 'clear'}`);
}
