// Label morphology and "select a predicted region" on a real EM membrane image in the workbench: paint a class
// with a hole and a stray island, fill the hole and remove the island from the M menu (each one undo step, saved),
// a refused radius changes nothing; then train a tiny model, and one click with the region tool (R) takes exactly
// the connected predicted region under the pointer into the labels.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { MaskPayload, PredictionPayload } from '../../src/api/service.ts';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';
import { base64ToBytes } from '../../src/labels/index.ts';
import { chromiumMissing, closeWorkbench, ensureRendererBuilt, imageToScreen, layerPixel, openWorkbench, startServe, tempDir, type Served } from './harness.ts';
import type { Browser, Page } from 'playwright-core';

const MEMBRANES = '/work/shared/data/isbi2012-membrane/train';
const SIZE = 512;
const UNLABELED = 255;
const skipReason = chromiumMissing() ?? (existsSync(MEMBRANES) ? null : `${MEMBRANES} is missing: the ISBI 2012 membrane images (../shared/data) are needed`);

let run: { dir: string; served: Served; browser: Browser; page: Page; errors: string[]; images: ImageInfo[] } | undefined;

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  const dir = tempDir('segwork-e2e-morph-');
  mkdirSync(path.join(dir, 'images'));
  for (const name of ['0.png', '1.png']) copyFileSync(path.join(MEMBRANES, 'image', name), path.join(dir, 'images', name));
  const served = await startServe(path.join(dir, 'workspace'));
  const project = await served.call<ProjectInfo>('createProject', 'Membranes', [{ name: 'membrane', color: '#2196f3' }, { name: 'cell', color: '#ffc107' }]);
  const { added } = await served.call<{ added: ImageInfo[] }>('addImages', project.id, [path.join(dir, 'images')]);
  const images = added.sort((a, b) => a.name.localeCompare(b.name));
  // Image 1 carries its reference labels (black membrane 0, white cell 1), for the model to learn from.
  const reference = PNG.sync.read(readFileSync(path.join(MEMBRANES, 'label', '1.png')));
  const classes = Buffer.alloc(SIZE * SIZE);
  for (let p = 0; p < classes.length; p++) classes[p] = reference.data[p * 4]! > 127 ? 1 : 0;
  await served.call('saveMaskPatches', images[1]!.id, 0, [{ x: 0, y: 0, width: SIZE, height: SIZE, data: classes.toString('base64') }]);
  const opened = await openWorkbench(served);
  await opened.page.getByRole('button', { name: '0.png', exact: true }).click();
  await opened.page.getByLabel('Image canvas').waitFor();
  // Strokes begun while the image still loads are dropped: wait until it is shown.
  await opened.page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  run = { dir, served, images, ...opened };
});

after(() => closeWorkbench(run?.browser, run?.served, run?.dir));

async function storedMask(): Promise<Uint8Array> {
  const mask = await run!.served.call<MaskPayload>('getMask', run!.images[0]!.id);
  return base64ToBytes(mask.data);
}

/** Polls the stored mask of image 0 until `ok` holds (autosave is asynchronous). */
async function waitForMask(ok: (mask: Uint8Array) => boolean, what: string): Promise<Uint8Array> {
  let mask: Uint8Array = new Uint8Array();
  for (let i = 0; i < 300; i++) {
    mask = await storedMask();
    if (ok(mask)) return mask;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`the stored mask never showed ${what}`);
}

const at = (mask: Uint8Array, x: number, y: number) => mask[y * SIZE + x];
const count = (mask: Uint8Array, value: number) => mask.reduce((n, v) => n + (v === value ? 1 : 0), 0);

test('fill holes and remove islands from the M menu, each saved as one undo step; a refused radius changes nothing', { skip: skipReason ?? false, timeout: 120_000 }, async () => {
  const { page, errors } = run!;
  const screen = await imageToScreen(page, SIZE, SIZE);
  await page.getByRole('button', { name: 'cell', exact: true }).click();
  await page.getByRole('button', { name: 'Brush' }).click();
  await page.getByLabel('Brush size').fill('10');
  // A square ring of cell around an unlabeled hole...
  const corners = [[150, 150], [300, 150], [300, 300], [150, 300], [150, 150]] as const;
  await page.mouse.move(screen(150, 150).x, screen(150, 150).y);
  await page.mouse.down();
  for (const [x, y] of corners.slice(1)) await page.mouse.move(screen(x, y).x, screen(x, y).y, { steps: 6 });
  await page.mouse.up();
  // ...and a stray dot of it elsewhere.
  await page.mouse.click(screen(420, 80).x, screen(420, 80).y);
  const painted = await waitForMask((m) => at(m, 420, 80) === 1 && at(m, 225, 150) === 1 && at(m, 150, 225) === 1, 'the ring and the dot');
  assert.equal(at(painted, 225, 225), UNLABELED, 'the ring has a hole');
  const ringAndDot = count(painted, 1);

  // M opens the menu on the class being painted; Enter applies the previewed fill.
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('m');
  await page.getByLabel('Morphology operation').selectOption('fill-holes');
  assert.equal(await page.getByLabel('Morphology class').inputValue(), '1');
  await page.getByLabel('Morphology preview').filter({ hasText: /^\d+ pixels added, 0 removed$/ }).waitFor();
  const previewed = Number(/^(\d+)/.exec(await page.getByLabel('Morphology preview').innerText())![1]);
  // The preview layer (above image, labels, overlay and tool layers) shows the hole about to be filled, in the class colour.
  const preview = await layerPixel(page, 3, screen(225, 225));
  // Within 2 of #ffc107: the canvas keeps colours premultiplied by their alpha.
  [0xff, 0xc1, 0x07].forEach((c, k) => assert.ok(Math.abs(preview[k]! - c) <= 2, `the added pixels in the cell colour #ffc107, got ${preview}`));
  assert.ok(preview[3] > 0);
  assert.equal((await layerPixel(page, 1, screen(225, 225)))[3], 0, 'the labels themselves are unchanged meanwhile');
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('Enter');
  const filled = await waitForMask((m) => at(m, 225, 225) === 1, 'the hole filled');
  assert.equal(count(filled, 1), ringAndDot + previewed, 'exactly the previewed pixels were added');
  assert.equal(at(filled, 10, 10), UNLABELED, 'outside the ring stays unlabeled');
  assert.equal(await page.getByLabel('Morphology', { exact: true }).count(), 0, 'the menu closed');
  assert.equal((await layerPixel(page, 3, screen(225, 225)))[3], 0, 'and its preview is gone');

  // A refused request says what is needed, and neither Apply nor Enter change anything.
  await page.getByRole('button', { name: 'Morphology', exact: true }).click();
  const menu = page.getByLabel('Morphology', { exact: true });
  await page.getByLabel('Morphology operation').selectOption('grow');
  await page.getByLabel('Morphology radius').fill('-1');
  await page.getByRole('alert', { name: 'Morphology preview' }).filter({ hasText: /radius must be a whole number of pixels, 1 or more, got -1/ }).waitFor();
  assert.equal(await menu.getByRole('button', { name: 'Apply', exact: true }).isDisabled(), true);
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.getByRole('button', { name: 'Undo', exact: true }).isEnabled(), true, 'the undo history is intact');

  await page.getByLabel('Morphology operation').selectOption('remove-islands');
  await page.getByLabel('Smallest island kept').fill('500');
  await page.getByLabel('Morphology preview').filter({ hasText: /^0 pixels added, \d+ removed$/ }).waitFor();
  await menu.getByRole('button', { name: 'Apply', exact: true }).click();
  const cleaned = await waitForMask((m) => at(m, 420, 80) === UNLABELED, 'the island removed');
  assert.equal(at(cleaned, 225, 225), 1, 'the filled ring stays');
  const nearDot = (p: number) => Math.hypot((p % SIZE) - 420, Math.floor(p / SIZE) - 80) < 20;
  assert.deepEqual(cleaned, filled.map((v, p) => (nearDot(p) ? UNLABELED : v)), 'only the dot went');

  // Undo restores each step as it was, one at a time.
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('Control+z');
  assert.deepEqual(await waitForMask((m) => at(m, 420, 80) === 1, 'the island back'), filled);
  await page.keyboard.press('Control+z');
  assert.deepEqual(await waitForMask((m) => at(m, 225, 225) === UNLABELED, 'the hole back'), painted);
  assert.deepEqual(errors, []);
});

/** The 4-connected region of `mask[seed]`'s value around `seed`, as pixel indices (the test's own flood). */
function regionOf(mask: Uint8Array, seed: number): number[] {
  const seen = new Uint8Array(mask.length);
  const out = [seed];
  seen[seed] = 1;
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    const x = p % SIZE;
    for (const q of [x > 0 ? p - 1 : -1, x < SIZE - 1 ? p + 1 : -1, p - SIZE, p + SIZE]) {
      if (q >= 0 && q < mask.length && !seen[q] && mask[q] === mask[seed]) {
        seen[q] = 1;
        out.push(q);
      }
    }
  }
  return out;
}

test('after a real prediction, R and a click take just the connected predicted region into the labels', { skip: skipReason ?? false, timeout: 400_000 }, async () => {
  const { page, served, errors, images } = run!;
  await page.getByLabel('Architecture').selectOption('unet');
  await page.getByLabel('Preset').selectOption('tiny');
  await page.getByLabel('Epochs').fill('3');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByLabel('Training status').filter({ hasText: /^Finished/ }).waitFor({ timeout: 360_000 });
  await page.getByLabel('Overlay', { exact: true }).waitFor();

  const [model] = await served.call<{ id: number }[]>('listModels');
  const predicted = base64ToBytes((await served.call<PredictionPayload>('predict', model!.id, images[0]!.id)).mask);
  // A region away from the painted square that is neither a speck nor half the image (one cell, say); each region
  // is walked once, so the search stays short.
  const walked = new Uint8Array(predicted.length);
  let seed = -1;
  let region: number[] = [];
  for (let p = 0; p < predicted.length && seed < 0; p += 97) {
    const x = p % SIZE, y = Math.floor(p / SIZE);
    if (walked[p] || (x > 130 && x < 320 && y > 130 && y < 320)) continue;
    const candidate = regionOf(predicted, p);
    for (const q of candidate) walked[q] = 1;
    if (candidate.length >= 20 && candidate.length < predicted.length / 2) [seed, region] = [p, candidate];
  }
  assert.ok(seed >= 0, `the tiny model predicts at least one region of 20 pixels to half the image (${count(predicted, 0)} membrane, ${count(predicted, 1)} cell pixels)`);
  const before = await storedMask();
  const expected = Uint8Array.from(before);
  for (const p of region) expected[p] = predicted[seed]!;

  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('r');
  assert.equal(await page.getByRole('button', { name: 'Region', exact: true }).getAttribute('aria-pressed'), 'true');
  const screen = await imageToScreen(page, SIZE, SIZE);
  await page.mouse.click(screen(seed % SIZE, Math.floor(seed / SIZE)).x, screen(seed % SIZE, Math.floor(seed / SIZE)).y);
  const taken = await waitForMask((m) => m[seed] === predicted[seed], 'the predicted region taken');
  assert.deepEqual(taken, expected, `exactly the ${region.length}-pixel connected region of class ${predicted[seed]} under the click`);
  await page.keyboard.press('Control+z');
  assert.deepEqual(await waitForMask((m) => m[seed] === before[seed], 'the region undone'), before, 'one undo step');
  assert.deepEqual(errors, []);
});
