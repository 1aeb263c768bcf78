// Colour-coded masks in the workbench: Add images with a label folder maps RGB and palette masks through the
// project's class colours and names a mask with an unknown colour; Export labels offers a colour PNG that reads
// back as the stored labels.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import type { MaskPayload } from '../../src/api/service.ts';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';
import { readMask } from '../../src/io/index.ts';
import { buildPng } from '../unit/io/png-builder.ts';
import { chromiumMissing, closeWorkbench, ensureRendererBuilt, openWorkbench, startServe, tempDir, writeDiscImages, type Served } from './harness.ts';

const SIZE = 64;
const skipReason = chromiumMissing();
/** One served workbench and browser page for the file's test. */
let run: { dir: string; served: Served; browser: Browser; page: Page; errors: string[] } | undefined;

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  const dir = tempDir('segwork-e2e-colors-');
  writeDiscImages(path.join(dir, 'images'), ['a.png', 'b.png', 'c.png'], SIZE);
  const served = await startServe(path.join(dir, 'workspace'));
  run = { dir, served, ...(await openWorkbench(served, { acceptDownloads: true })) };
});

after(() => closeWorkbench(run?.browser, run?.served, run?.dir));

/** Class per pixel of a disc image: the bright disc is class 1. */
function discClasses(dir: string, name: string): number[] {
  const png = PNG.sync.read(readFileSync(path.join(dir, 'images', name)));
  return Array.from({ length: SIZE * SIZE }, (_, p) => (png.data[p * 4]! > 125 ? 1 : 0));
}

test('Add images with a label folder of colour masks, then export a colour PNG of the labels', { skip: skipReason ?? false }, async () => {
  const { dir, served, page, errors } = run!;
  await page.getByLabel('Project name').fill('Colours');
  await page.getByLabel('Project classes').fill('background, disc');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByLabel('Image folder').waitFor();
  const [project] = await served.call<ProjectInfo[]>('listProjects');
  const rgb = project.classes.map((c) => [1, 3, 5].map((i) => parseInt(c.color.slice(i, i + 2), 16)));
  // a: RGB; b: a palette PNG whose palette lists the classes backwards; c: the disc in a colour no class has.
  const labels = path.join(dir, 'labels');
  mkdirSync(labels);
  const expected = new Map(['a.png', 'b.png', 'c.png'].map((n) => [n, discClasses(dir, n)]));
  writeFileSync(path.join(labels, 'a.png'), buildPng({ width: SIZE, height: SIZE, bitDepth: 8, colorType: 2, samples: expected.get('a.png')!.flatMap((k) => rgb[k]!) }));
  writeFileSync(path.join(labels, 'b.png'), buildPng({ width: SIZE, height: SIZE, bitDepth: 8, colorType: 3, palette: [rgb[1]!, rgb[0]!], samples: expected.get('b.png')!.map((k) => 1 - k) }));
  writeFileSync(path.join(labels, 'c.png'), buildPng({ width: SIZE, height: SIZE, bitDepth: 8, colorType: 2, samples: expected.get('c.png')!.flatMap((k) => (k ? [255, 0, 255] : rgb[0]!)) }));

  await page.getByLabel('Image folder').fill(path.join(dir, 'images'));
  await page.getByLabel('Label folder').fill(labels);
  await page.getByRole('button', { name: 'Add images' }).click();
  const discPixels = expected.get('c.png')!.filter((k) => k === 1).length;
  const report = new RegExp(`Added 3 images, 2 with labels; 1 failed: .*c\\.png: ${discPixels} pixel\\(s\\) have a colour no class has: #ff00ff \\(${discPixels} px, first at x=\\d+ y=\\d+\\)`);
  await page.getByRole('alert').filter({ hasText: report }).waitFor();

  const { images } = await served.call<{ images: ImageInfo[] }>('listImages', { projectId: project.id });
  for (const image of images) {
    const stored = Array.from(Buffer.from((await served.call<MaskPayload>('getMask', image.id)).data, 'base64'));
    if (image.name === 'c.png') assert.ok(stored.every((v) => v === 255), 'the mask with an unknown colour saved nothing');
    else assert.deepEqual(stored, expected.get(image.name), image.name);
  }

  await page.getByRole('button', { name: 'b.png', exact: true }).click();
  await page.getByLabel('Export format').selectOption('color-png');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export labels' }).click()]);
  const file = path.join(dir, download.suggestedFilename());
  await download.saveAs(file);
  assert.equal(download.suggestedFilename(), 'b.labels.png');
  const back = await readMask(file, { colors: { labelColors: rgb.map(([r, g, b]) => (r! << 16) | (g! << 8) | b!) } });
  assert.deepEqual(Array.from(back.data), expected.get('b.png'));
  assert.deepEqual(errors, []);
});
