// Grow from seeds in a real browser on a real EM membrane image (../shared/data, ISBI 2012): a handful of short
// strokes per class, taken from the reference mask, G shows the preview, a further stroke refines it, Enter accepts
// it as one undo step; the result is scored against the reference mask, undo brings back the strokes alone, and a
// grow with one class seeded is refused with one message, changing nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import type { MaskPayload } from '../../src/api/service.ts';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';
import { base64ToBytes, UNLABELED } from '../../src/labels/index.ts';
import { ARTIFACTS, chromiumMissing, closeWorkbench, ensureRendererBuilt, imageToScreen, layerPixel, openWorkbench, REPO_ROOT, startServe, tempDir, type Served } from './harness.ts';

const MEMBRANES = path.resolve(REPO_ROOT, '../shared/data/isbi2012-membrane/train');
const skipReason = chromiumMissing() ?? (existsSync(MEMBRANES) ? null : `${MEMBRANES} is missing (../shared/data not present)`);
const SIZE = 512;
/** Strokes per class, each STROKE pixels long, with a brush of BRUSH pixels. */
const STROKES = 8;
const STROKE = 12;
const BRUSH = 3;
/**
 * IoU against the reference from 8 strokes per class on image 0, measured in this browser test: mean 0.442 (membrane
 * 0.230, cell 0.653). Labelling every pixel "cell" would score mean 0.39 with membrane 0, so each class is asserted
 * too. EM membranes are a hard case for region growing (thin, and as dark as the texture inside cells); the margins
 * below are about 0.04–0.05.
 */
const MIN_IOU = { mean: 0.4, membrane: 0.18, cell: 0.6 };

let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let images: ImageInfo[];

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = tempDir('segwork-e2e-grow-');
  const folder = path.join(dir, 'images');
  mkdirSync(folder);
  for (const name of ['0.png', '1.png']) copyFileSync(path.join(MEMBRANES, 'image', name), path.join(folder, name));
  served = await startServe(path.join(dir, 'workspace'));
  const project = await served.call<ProjectInfo>('createProject', 'Membranes', [{ name: 'membrane', color: '#e91e63' }, { name: 'cell', color: '#2196f3' }]);
  images = (await served.call<{ added: ImageInfo[] }>('addImages', project.id, [folder])).added;
  ({ browser, page, errors } = await openWorkbench(served));
});

after(() => closeWorkbench(browser, served, dir));

/** The reference mask as classes: 0 membrane (black), 1 cell (white). */
function reference(name: string): Uint8Array {
  const png = PNG.sync.read(readFileSync(path.join(MEMBRANES, 'label', name)));
  return new Uint8Array(SIZE * SIZE).map((_, i) => (png.data[i * 4]! > 127 ? 1 : 0));
}

/**
 * Short horizontal strokes well inside each class of the reference (every pixel's neighbourhood of the same class),
 * spread over the image by scanning a coarse grid: the strokes a person would paint in a few seconds.
 */
function strokesFrom(truth: Uint8Array): { cls: number; x: number; y: number }[] {
  const inside = (x: number, y: number, r: number) => {
    const c = truth[y * SIZE + x];
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (truth[(y + dy) * SIZE + x + dx] !== c) return false;
    return true;
  };
  const candidates: { cls: number; x: number; y: number }[][] = [[], []];
  for (let y = 24; y < SIZE - 24; y += 7) {
    for (let x = 24 + ((y * 13) % 23); x < SIZE - 24 - STROKE; x += 23) {
      const cls = truth[y * SIZE + x]!;
      // Membranes are a few pixels wide: 2 pixels of margin; cells are large: 6.
      let fits = true;
      for (let i = 0; i < STROKE && fits; i++) fits = inside(x + i, y, cls === 0 ? 2 : 6);
      if (fits) candidates[cls]!.push({ cls, x, y });
    }
  }
  // Evenly spaced through each class's candidates (top to bottom), as a person spreads strokes over the image.
  const strokes: { cls: number; x: number; y: number }[] = [];
  for (const list of candidates) for (let k = 0; k < Math.min(STROKES, list.length); k++) strokes.push(list[Math.floor(((k + 0.5) * list.length) / STROKES)]!);
  return strokes;
}

async function maskOf(imageId: number): Promise<Uint8Array> {
  return base64ToBytes((await served.call<MaskPayload>('getMask', imageId)).data);
}

/** Waits until the strokes just painted are stored (autosave waits 150 ms for more strokes first). */
async function saved(): Promise<void> {
  await page.waitForTimeout(400);
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
}

/** Polls the stored mask until `ok` holds (autosave is asynchronous). */
async function waitForMask(imageId: number, ok: (mask: Uint8Array) => boolean, what: string): Promise<Uint8Array> {
  let mask: Uint8Array = new Uint8Array();
  for (let i = 0; i < 150; i++) {
    mask = await maskOf(imageId);
    if (ok(mask)) return mask;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`stored mask never showed ${what}`);
}

async function paintStroke(cls: number, x: number, y: number): Promise<void> {
  await page.getByRole('button', { name: cls === 0 ? 'membrane' : 'cell', exact: true }).click();
  const at = await imageToScreen(page, SIZE, SIZE);
  await page.mouse.move(at(x, y).x, at(x, y).y);
  await page.mouse.down();
  await page.mouse.move(at(x + STROKE - 1, y).x, at(x + STROKE - 1, y).y, { steps: 3 });
  await page.mouse.up();
}

async function openImage(name: string): Promise<void> {
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('button', { name, exact: true }).click();
  await page.getByLabel('Image canvas').waitFor();
  await saved();
  await page.getByRole('button', { name: 'Brush' }).click();
  await page.getByLabel('Brush size').fill(String(BRUSH));
}

function meanIoU(pred: Uint8Array, truth: Uint8Array): { mean: number; perClass: number[] } {
  const perClass = [0, 1].map((c) => {
    let inter = 0;
    let union = 0;
    for (let i = 0; i < truth.length; i++) {
      const a = pred[i] === c;
      const b = truth[i] === c;
      if (a && b) inter++;
      if (a || b) union++;
    }
    return inter / union;
  });
  return { mean: (perClass[0]! + perClass[1]!) / 2, perClass };
}

test('grow from a handful of strokes per class, refine with a stroke, accept; undo brings back the strokes', { skip: skipReason ?? false }, async () => {
  const image = images.find((i) => i.name === '0.png')!;
  const truth = reference('0.png');
  const strokes = strokesFrom(truth);
  assert.ok(strokes.length >= 2 * STROKES - 2, `${strokes.length} places for strokes`);
  await openImage('0.png');
  // All strokes but the last are painted first; the last refines the preview.
  const refining = strokes.pop()!;
  for (const s of strokes) await paintStroke(s.cls, s.x, s.y);
  await saved();

  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('g');
  await page.getByLabel('Grow status').filter({ hasText: /^Preview$/ }).waitFor();
  await page.waitForTimeout(300); // the stage redraws on the next frame
  await page.screenshot({ path: path.join(ARTIFACTS, 'grow-from-seeds-first-preview.png') });
  // The preview lies on the shared preview layer (3, hatched like the other tools' previews): at an unlabeled pixel on
  // a stripe it has a colour, the labels none, and the overlay layer (2) stays empty.
  const at = await imageToScreen(page, SIZE, SIZE);
  const stored = await maskOf(image.id);
  const onStripe = (i: number) => ((i % SIZE) + Math.floor(i / SIZE)) % 6 === 1;
  const probe = [...Array(SIZE * SIZE).keys()].find((i) => stored[i] === UNLABELED && onStripe(i) && i % SIZE > 50 && i > 50 * SIZE)!;
  const screen = at(probe % SIZE, Math.floor(probe / SIZE));
  assert.ok((await layerPixel(page, 3, screen))[3] > 0, 'the preview shows over an unlabeled pixel');
  assert.equal((await layerPixel(page, 2, screen))[3], 0, 'nothing is drawn on the overlay layer');
  assert.equal((await layerPixel(page, 1, screen))[3], 0, 'the labels there are still unlabeled');
  assert.equal(stored.filter((v) => v !== UNLABELED).length > 0, true);
  assert.ok((await maskOf(image.id)).some((v) => v === UNLABELED), 'a preview is not saved');

  // A stroke while the preview is shown grows it again.
  await paintStroke(refining.cls, refining.x, refining.y);
  await page.getByLabel('Grow status').filter({ hasText: /^Preview$/ }).waitFor();
  await saved();
  const strokesOnly = await maskOf(image.id);
  await page.screenshot({ path: path.join(ARTIFACTS, 'grow-from-seeds-preview.png') });

  await page.keyboard.press('Enter');
  const grown = await waitForMask(image.id, (m) => !m.includes(UNLABELED), 'the accepted grow (every pixel labeled)');
  for (let i = 0; i < grown.length; i++) if (strokesOnly[i] !== UNLABELED) assert.equal(grown[i], strokesOnly[i], `stroke pixel ${i} kept its class`);
  const { mean, perClass } = meanIoU(grown, truth);
  console.log(`grow from seeds on ISBI membrane 0.png: mean IoU ${mean.toFixed(3)} (membrane ${perClass[0]!.toFixed(3)}, cell ${perClass[1]!.toFixed(3)}) from ${STROKES} strokes per class`);
  assert.ok(mean >= MIN_IOU.mean, `mean IoU ${mean.toFixed(3)} is below ${MIN_IOU.mean}`);
  assert.ok(perClass[0]! >= MIN_IOU.membrane, `membrane IoU ${perClass[0]!.toFixed(3)} is below ${MIN_IOU.membrane}`);
  assert.ok(perClass[1]! >= MIN_IOU.cell, `cell IoU ${perClass[1]!.toFixed(3)} is below ${MIN_IOU.cell}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'grow-from-seeds-accepted.png') });

  await page.keyboard.press('Control+z');
  await waitForMask(image.id, (m) => m.every((v, i) => v === strokesOnly[i]), 'the strokes alone after one undo');
  assert.deepEqual(errors, []);
});

test('a grow with one class seeded is refused with one message, and changes nothing', { skip: skipReason ?? false }, async () => {
  const image = images.find((i) => i.name === '1.png')!;
  await openImage('1.png');
  await paintStroke(1, 100, 100);
  await saved();
  const before = await maskOf(image.id);
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press('g');
  await page.getByRole('alert').filter({ hasText: /needs strokes of at least two classes; found only one\./ }).waitFor();
  assert.equal(await page.getByLabel('Grow status').textContent(), '', 'no preview is shown');
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  assert.deepEqual(await maskOf(image.id), before, 'Enter after a refusal changes nothing');
  // The history is intact: undo removes the one stroke.
  await page.keyboard.press('Control+z');
  await waitForMask(image.id, (m) => m.every((v) => v === UNLABELED), 'the stroke undone');
  assert.deepEqual(errors, []);
});
