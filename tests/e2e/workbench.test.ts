// The labeling loop in a real browser against a real `segwork serve`: create a project and add images; paint
// with brush and fill, undo and redo, reload and find the strokes; train a tiny model, see the prediction
// overlay, every class's probability under the pointer, the CAM overlay, and the per-class IoU table; pre-train an
// encoder on the unlabeled images and train from it. Screenshots of the key screens go to tests/e2e/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { CamPayload, EncoderInfo, MaskPayload, PredictionPayload } from '../../src/api/service.ts';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';
import { base64ToBytes } from '../../src/labels/index.ts';
import {
  ARTIFACTS,
  chromiumMissing,
  closeWorkbench,
  ensureRendererBuilt,
  imageToScreen,
  layerPixel,
  openWorkbench,
  startServe,
  tempDir,
  writeDiscImages,
  type Served,
} from './harness.ts';

const SIZE = 96;
const skipReason = chromiumMissing();
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = tempDir('segwork-e2e-');
  // Two images get labels and four stay unlabeled: enough for the pre-training offer (unlabeled ≥ 2 × labeled).
  writeDiscImages(path.join(dir, 'images'), ['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'f.png'], SIZE);
  served = await startServe(path.join(dir, 'workspace'));
  ({ browser, page, errors } = await openWorkbench(served));
});

after(() => closeWorkbench(browser, served, dir));

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });

async function imageNamed(name: string): Promise<ImageInfo> {
  const [project] = await served.call<ProjectInfo[]>('listProjects');
  const { images } = await served.call<{ images: ImageInfo[] }>('listImages', { projectId: project.id });
  return images.find((i) => i.name === name)!;
}

async function maskOf(name: string): Promise<Uint8Array> {
  const mask = await served.call<MaskPayload>('getMask', (await imageNamed(name)).id);
  return base64ToBytes(mask.data);
}

/** Polls the stored mask until `ok` holds (autosave is asynchronous), failing with the last count seen. */
async function waitForMask(name: string, ok: (mask: Uint8Array) => boolean, what: string): Promise<Uint8Array> {
  let mask: Uint8Array = new Uint8Array();
  for (let i = 0; i < 100; i++) {
    mask = await maskOf(name);
    if (ok(mask)) return mask;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`stored mask never showed ${what}`);
}

const count = (mask: Uint8Array, value: number) => mask.reduce((n, v) => n + (v === value ? 1 : 0), 0);

test('create a project and add images from a folder; a dropped non-image is refused', { skip: skipReason ?? false }, async () => {
  await page.getByLabel('Project name').fill('Discs');
  await page.getByLabel('Project classes').fill('background, disc');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByLabel('Image folder').fill(path.join(dir, 'images'));
  await page.getByRole('button', { name: 'Add images' }).click();
  for (const name of ['a.png', 'b.png', 'c.png', 'd.png', 'e.png', 'f.png']) await page.getByRole('button', { name, exact: true }).waitFor();
  await assert.doesNotReject(page.getByRole('status').filter({ hasText: 'Added 6 images' }).waitFor());

  // Drop a text file on the drop zone: a clear message, and the project is unchanged.
  await page.getByLabel('Drop images here').evaluate((zone) => {
    const data = new DataTransfer();
    data.items.add(new File(['not pixels'], 'notes.txt', { type: 'text/plain' }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  await page.getByRole('alert').filter({ hasText: /^Added 0 images; 1 not added: notes\.txt: \S/ }).waitFor();
  const [project] = await served.call<ProjectInfo[]>('listProjects');
  assert.equal(project.name, 'Discs');
  assert.deepEqual(project.classes.map((c) => c.name), ['background', 'disc']);
  assert.equal(project.imageCount, 6);
  await page.waitForTimeout(500); // let thumbnails decode before the screenshot
  await shot('1-browser');
});

test('paint with brush and fill, undo and redo, reload and see the strokes', { skip: skipReason ?? false }, async () => {
  await page.getByRole('button', { name: 'a.png', exact: true }).click();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  const canvas = page.getByLabel('Image canvas');
  await canvas.waitFor();
  const at = await imageToScreen(page, SIZE, SIZE);

  // Fill the whole unlabeled image with "background" (class key 1).
  await page.getByRole('button', { name: 'background', exact: true }).click();
  await page.getByRole('button', { name: 'Fill' }).click();
  await page.mouse.click(at(2, 2).x, at(2, 2).y);
  await waitForMask('a.png', (m) => count(m, 0) === SIZE * SIZE, 'the filled background');

  // A brush stroke across the disc with "disc" chosen by its key.
  await page.getByRole('button', { name: 'Brush' }).click();
  await canvas.focus();
  await page.keyboard.press('2');
  await page.getByLabel('Brush size').fill('14');
  const from = at(32, 42);
  const to = at(58, 42);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 3 });
  await page.mouse.up();
  const painted = await waitForMask('a.png', (m) => count(m, 1) > 300, 'the brush stroke');
  assert.equal(painted[42 * SIZE + 45], 1, 'the middle of the stroke is "disc"');
  assert.equal(painted[5 * SIZE + 5], 0, 'the corner stays background');
  await shot('2-editor-painted');

  await page.keyboard.press('Control+z');
  await waitForMask('a.png', (m) => count(m, 1) === 0 && count(m, 0) === SIZE * SIZE, 'the stroke undone');
  await page.getByRole('button', { name: 'Redo' }).click();
  const redone = await waitForMask('a.png', (m) => count(m, 1) > 300, 'the stroke redone');
  assert.deepEqual(redone, painted, 'redo restores exactly the painted pixels');

  // Reload: the strokes come back from the store, in the API and on the label layer.
  await page.reload();
  await page.getByRole('button', { name: 'a.png', exact: true }).click();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  await page.waitForTimeout(300);
  assert.deepEqual(await maskOf('a.png'), painted);
  const at2 = await imageToScreen(page, SIZE, SIZE);
  const disc = await layerPixel(page, 1, at2(45, 42));
  const background = await layerPixel(page, 1, at2(5, 5));
  const [project] = await served.call<ProjectInfo[]>('listProjects');
  // Layer opacity goes through premultiplied alpha, so channels may round by a step or two.
  const near = (rgba: number[], hex: string) => [1, 3, 5].every((k, c) => Math.abs(rgba[c] - Number.parseInt(hex.slice(k, k + 2), 16)) <= 3);
  assert.ok(disc[3] > 0 && background[3] > 0, 'both pixels carry a label colour');
  assert.ok(near(disc, project.classes[1].color), `the stroke shows in the colour of "disc" (${project.classes[1].color}), got rgba(${disc})`);
  assert.ok(near(background, project.classes[0].color), `background shows in its colour (${project.classes[0].color}), got rgba(${background})`);
  await shot('3-editor-reloaded');

  // Label a second image quickly so training has two: fill background, one stroke of disc.
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('button', { name: 'b.png', exact: true }).click();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();
  const atB = await imageToScreen(page, SIZE, SIZE);
  await page.getByRole('button', { name: 'background', exact: true }).click();
  await page.getByRole('button', { name: 'Fill' }).click();
  await page.mouse.click(atB(2, 2).x, atB(2, 2).y);
  await page.getByRole('button', { name: 'disc', exact: true }).click();
  await page.getByRole('button', { name: 'Brush' }).click();
  await page.mouse.move(atB(50, 40).x, atB(50, 40).y);
  await page.mouse.down();
  await page.mouse.move(atB(62, 46).x, atB(62, 46).y, { steps: 2 });
  await page.mouse.up();
  await waitForMask('b.png', (m) => count(m, 1) > 100 && count(m, 0) > 1000, 'the second image labeled');
  assert.deepEqual(errors, []);
});

test('train a tiny model, see the prediction overlay and the per-class IoU table', { skip: skipReason ?? false, timeout: 240_000 }, async () => {
  await page.getByLabel('Architecture').selectOption('unet');
  await page.getByLabel('Preset').selectOption('tiny');
  await page.getByLabel('Epochs').fill('2');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByRole('button', { name: 'Stop', exact: true }).and(page.locator(':enabled')).waitFor();
  await page.getByLabel('Training status').filter({ hasText: /^Finished/ }).waitFor({ timeout: 200_000 });
  await page.getByRole('figure', { name: 'IoU per class' }).waitFor();

  // The new model's prediction of the open image is drawn on the overlay layer.
  await page.getByLabel('Overlay', { exact: true }).waitFor();
  assert.equal(await page.getByLabel('Overlay', { exact: true }).inputValue(), 'mask');
  const at = await imageToScreen(page, SIZE, SIZE);
  const overlay = await layerPixel(page, 2, at(20, 20));
  assert.ok(overlay[3] > 0, 'the predicted mask is drawn over the image');
  await shot('4-prediction-overlay');
  await page.getByLabel('Overlay', { exact: true }).selectOption('probability');
  await page.getByLabel('Colour legend').waitFor();

  // Hovering a pixel reads every class's probability, as the model gave them for that pixel.
  const [model] = await served.call<{ id: number }[]>('listModels');
  const imageB = await imageNamed('b.png');
  const prediction = await served.call<PredictionPayload>('predict', model.id, imageB.id);
  const probabilities = base64ToBytes(prediction.probabilities);
  const readout = page.getByLabel('Probabilities at pointer');
  for (const [x, y] of [[56, 43], [4, 4]]) {
    await page.mouse.move(at(x, y).x, at(x, y).y);
    await readout.filter({ hasText: `(${x}, ${y})` }).waitFor();
    const text = await readout.innerText();
    const shown = ['background', 'disc'].map((name) => Number(new RegExp(`${name} (\\d\\.\\d\\d)`).exec(text)?.[1]));
    const expected = [0, 1].map((k) => probabilities[k * SIZE * SIZE + y * SIZE + x] / 255);
    shown.forEach((p, k) => assert.ok(Math.abs(p - expected[k]) <= 0.006, `class ${k} at (${x}, ${y}): shown ${p}, predicted ${expected[k].toFixed(3)} ("${text}")`));
  }
  await shot('5-probability-overlay');

  // The CAM overlay: layer picker filled from the model, the heatmap drawn through the colour map, per class.
  await page.getByLabel('Overlay', { exact: true }).selectOption('cam');
  await page.getByLabel('Overlay class').selectOption({ label: 'disc' });
  const { stages, defaultLayer } = await served.call<{ stages: { name: string; layer: string }[]; defaultLayer: string }>('camLayers', model.id);
  assert.ok(stages.some((s) => s.layer === defaultLayer), `default layer ${defaultLayer} is one of the stages ${JSON.stringify(stages)}`);
  await page.getByLabel('CAM status').filter({ hasText: `${defaultLayer}, whole image` }).waitFor({ timeout: 60_000 });
  // The stages by name (the model is a tiny U-Net of depth 2), not the network's raw layer names.
  assert.deepEqual(await page.getByLabel('CAM layer').locator('option').allTextContents(), ['encoder stage 1', 'encoder stage 2', 'bottleneck', 'decoder stage 2', 'decoder stage 1']);
  const cam = await served.call<CamPayload>('cam', { modelId: model.id, imageId: imageB.id, classIndex: 1, layer: defaultLayer });
  const heat = base64ToBytes(cam.heatmap);
  const hot = heat.indexOf(Math.max(...heat));
  const cold = heat.indexOf(Math.min(...heat));
  assert.ok(heat[hot] - heat[cold] > 50, 'the CAM is not flat');
  const alpha = async (i: number) => (await layerPixel(page, 2, at(i % SIZE, Math.floor(i / SIZE))))[3];
  assert.ok((await alpha(hot)) > (await alpha(cold)) + 30, 'the hottest CAM pixel is drawn more opaque than the coldest');
  await page.getByLabel('Colour legend').filter({ hasText: 'Grad-CAM' }).waitFor();
  await shot('5b-cam-overlay');
  const overlayBytes = () => page.evaluate(() => document.querySelectorAll<HTMLCanvasElement>('[aria-label="Image canvas"] canvas')[2].toDataURL());
  const discOverlay = await overlayBytes();
  await page.getByLabel('Overlay class').selectOption({ label: 'background' });
  await page.getByLabel('CAM status').filter({ hasText: 'Computing' }).waitFor({ state: 'hidden' });
  await page.waitForFunction((before) => document.querySelectorAll<HTMLCanvasElement>('[aria-label="Image canvas"] canvas')[2].toDataURL() !== before, discOverlay, { timeout: 60_000 });
  // A drawn polygon limits the CAM to its bounding box.
  await page.getByRole('button', { name: 'Polygon' }).click();
  for (const [x, y] of [[40, 30], [70, 30], [70, 60]]) await page.mouse.click(at(x, y).x, at(x, y).y);
  await page.getByRole('button', { name: 'Update CAM' }).click();
  await page.getByLabel('CAM status').filter({ hasText: /region 40,30 3\d×3\d$/ }).waitFor({ timeout: 60_000 });
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Brush' }).click();
  await page.getByLabel('Overlay', { exact: true }).selectOption('mask');

  // What the network sees: the first layer's filters, then a stage's feature maps, each drawn as the core's grid.
  await page.getByText('What the network sees').click();
  await page.getByLabel('Feature layer').locator('option', { hasText: 'bottleneck feature maps' }).waitFor({ state: 'attached' });
  const gridOnPage = () =>
    page.getByLabel('Feature grid').evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      return { width: c.width, height: c.height, gray: Array.from({ length: c.width * c.height }, (_, i) => data[i * 4]) };
    });
  for (const [choice, layer, status] of [['First-layer filters', undefined, /^\d+ of \d+ filters of /], ['bottleneck feature maps', stages.find((s) => s.name === 'bottleneck')!.layer, /^\d+ of \d+ channels of bottom_/]] as const) {
    await page.getByLabel('Feature layer').selectOption({ label: choice });
    await page.getByRole('button', { name: 'Show features' }).click();
    await page.getByLabel('Features status').filter({ hasText: status }).waitFor({ timeout: 60_000 });
    const expected = await served.call<{ width: number; height: number; grid: string }>('features', { modelId: model.id, imageId: imageB.id, ...(layer ? { layer } : {}) });
    const shown = await gridOnPage();
    assert.deepEqual([shown.width, shown.height], [expected.width, expected.height], choice);
    assert.deepEqual(shown.gray, Array.from(base64ToBytes(expected.grid)), `${choice}: the page draws the core's grid`);
    assert.ok(new Set(shown.gray).size > 10, `${choice}: the grid is not flat`);
  }

  // Accept the prediction as labels: the stored mask becomes the model's mask, as one undoable stroke.
  const predicted = base64ToBytes(prediction.mask);
  await page.getByRole('button', { name: 'Accept prediction' }).click();
  await waitForMask('b.png', (m) => m.every((v, i) => v === predicted[i]), 'the accepted prediction');
  await page.getByRole('button', { name: 'Undo' }).click();
  await waitForMask('b.png', (m) => count(m, 1) > 100 && m.some((v, i) => v !== predicted[i]), 'the labels from before accepting');

  // Next image: an image nobody labeled yet.
  await page.getByRole('button', { name: 'Next image' }).click();
  await page.getByLabel('Open image').filter({ hasText: /^(c|d|e|f)\.png$/ }).waitFor();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor();

  await page.getByRole('button', { name: 'Metrics' }).click();
  await page.getByRole('button', { name: 'Evaluate' }).click();
  const table = page.getByRole('table', { name: 'Per-class IoU' });
  await table.waitFor({ timeout: 60_000 });
  const rows = await table.locator('tbody tr').allInnerTexts();
  assert.equal(rows.length, 2);
  assert.ok(rows.some((r) => r.startsWith('background')) && rows.some((r) => r.startsWith('disc')), rows.join(' | '));
  for (const row of rows) assert.match(row, /\d\.\d{3}/, `row "${row}" shows an IoU`);
  await page.getByRole('table', { name: 'Confusion matrix' }).waitFor();
  await page.getByRole('article', { name: /^Run \d+$/ }).first().waitFor();
  await shot('6-metrics');
  assert.deepEqual(errors, []);
});

test('pre-train an encoder on the unlabeled images; the next Train starts from it', { skip: skipReason ?? false, timeout: 240_000 }, async () => {
  await page.getByRole('button', { name: 'Editor' }).click();
  await page.getByLabel('Architecture').selectOption('unet');
  await page.getByLabel('Preset').selectOption('tiny');
  await page.getByLabel('Pre-training seconds').fill('3');
  await page.getByLabel('Pre-training objective').selectOption('context');
  await page.getByRole('button', { name: 'Pre-train on unlabeled images' }).click();
  await page.getByLabel('Pre-training status').filter({ hasText: /^Pre-trained/ }).waitFor({ timeout: 120_000 });
  const [project] = await served.call<ProjectInfo[]>('listProjects');
  const encoders = await served.call<EncoderInfo[]>('listEncoders', project.id);
  assert.deepEqual(encoders.map((e) => `${e.architecture}/${e.preset}`), ['unet/tiny']);
  const record = JSON.parse(readFileSync(path.join(encoders[0]!.directory, 'segwork.json'), 'utf8'));
  assert.match(record.training.endReason, /encoder pre-training \(context encoder, block 0.25 of the patch\)/);

  await page.getByLabel('Epochs').fill('1');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByLabel('Training start').filter({ hasText: 'Starts from the pre-trained unet/tiny encoder' }).waitFor();
  await shot('7-pretrained-training');
  await page.getByLabel('Training status').filter({ hasText: /^Finished/ }).waitFor({ timeout: 200_000 });
  const runs = await served.call<{ config: Record<string, unknown> }[]>('listRuns', project.id);
  assert.equal(runs.length, 2);
  assert.deepEqual(errors, []);
});
