// The "Weight map" overlay in the workbench: U-Net's separation weight map of the open image's saved labels, laid
// over the image without any model, brightest in the gap between two objects of the chosen class.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { MaskPayload } from '../../src/api/service.ts';
import type { ImageInfo, RunInfo } from '../../src/api/types.ts';
import { chromiumMissing, closeWorkbench, discProjectInEditor, imageToScreen, layerPixel, type DiscWorkbench } from './harness.ts';

const SIZE = 64;
const skipReason = chromiumMissing();
let w: DiscWorkbench | undefined;

after(() => closeWorkbench(w?.browser, w?.served, w?.dir));

test('the weight map overlay shows where training stresses the gap between two discs', { skip: skipReason ?? false, timeout: 120_000 }, async () => {
  w = await discProjectInEditor('segwork-e2e-weight-map-', SIZE);
  const { page, served, errors, projectId } = w;
  // a.png has a disc square at 28..35; a second one at 16..23 leaves a 4 px gap (x 24..27) between them, labeled
  // background like the band around them (unlabeled pixels would carry no weight).
  const { images } = await served.call<{ images: ImageInfo[] }>('listImages', { projectId });
  const image = images.find((i) => i.name === 'a.png')!;
  const { revision } = await served.call<MaskPayload>('getMask', image.id);
  const block = (x: number, y: number, width: number, height: number, value: number) => ({ x, y, width, height, data: Buffer.alloc(width * height, value).toString('base64') });
  await served.call('saveMaskPatches', image.id, revision, [block(8, 20, 36, 24, 0), block(16, 28, 8, 8, 1), block(28, 28, 8, 8, 1)]);

  await page.getByLabel('Weight map class').selectOption({ label: 'disc' });
  await page.getByRole('button', { name: 'Weight map', exact: true }).click();
  await page.getByLabel('Weight map status').filter({ hasText: /^2 objects, weight up to \d+\.\d$/ }).waitFor();
  const at = await imageToScreen(page, SIZE, SIZE);
  const gap = await layerPixel(page, 2, at(25, 31));
  const farBackground = await layerPixel(page, 2, at(9, 42));
  const unlabeled = await layerPixel(page, 2, at(60, 60));
  assert.ok(gap[3] > 0, `the overlay is drawn in the gap: ${gap}`);
  assert.notDeepEqual(gap, farBackground, 'the gap looks like background far from both discs');
  assert.notDeepEqual(gap, unlabeled, 'the gap looks like an unlabeled pixel');
  assert.deepEqual(errors, []);
});

test('the training panel trains with elastic deformation and the weight map', { skip: skipReason ?? false, timeout: 200_000 }, async () => {
  const { page, served, errors, projectId } = w!;
  await page.getByLabel('Epochs').fill('1');
  await page.getByLabel('Elastic sigma').fill('3');
  await page.getByLabel('Weight map', { exact: true }).selectOption({ label: 'disc' });
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByLabel('Training status').filter({ hasText: /^Finished/ }).waitFor({ timeout: 180_000 });
  const [run] = await served.call<RunInfo[]>('listRuns', projectId);
  assert.equal(run!.config.elasticSigma, 3);
  assert.deepEqual(run!.config.weightMap, { foregroundClass: 1 });
  assert.deepEqual(errors, []);
});
