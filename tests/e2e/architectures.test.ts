// Every architecture from the training panel, as a new user meets it: the panel offers the chosen architecture's
// own presets (from the core's catalogue) and starts at its default, so Train just works; picked as the editor's
// model, each one's prediction appears over the open image; a model then segments a folder from the batch panel,
// whose counter ends at "N / N".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Catalogue, ModelChoice, RunInfo } from '../../src/api/types.ts';
import { chromiumMissing, closeWorkbench, ensureRendererBuilt, labeledDiscProject, openWorkbench, startServe, tempDir, type Served } from './harness.ts';

const SIZE = 64;
const skipReason = chromiumMissing();
let dir: string;
let served: Served;
let browser: Browser;
let page: Page;
let errors: string[];
let projectId: number;

before(async () => {
  if (skipReason) return;
  ensureRendererBuilt();
  dir = tempDir('segwork-e2e-arch-');
  served = await startServe(path.join(dir, 'workspace'));
  ({ project: { id: projectId } } = await labeledDiscProject(served, 'Discs', path.join(dir, 'images'), ['a.png', 'b.png'], SIZE));
  ({ browser, page, errors } = await openWorkbench(served));
  await page.getByRole('button', { name: 'a.png', exact: true }).click();
  await page.getByLabel('Image canvas').waitFor();
});

after(() => closeWorkbench(browser, served, dir));

/** Picks an architecture in the panel, checks the presets it offers, and trains one epoch with the first. */
async function trainFromPanel(architecture: string): Promise<void> {
  const { architectures } = await served.call<Catalogue>('catalogue');
  const offered = architectures.find((a) => a.name === architecture)!;
  await page.getByLabel('Architecture').selectOption(architecture);
  assert.deepEqual(await page.getByLabel('Preset').locator('option').allTextContents(), offered.presets, `${architecture}'s own presets`);
  assert.equal(await page.getByLabel('Preset').inputValue(), offered.defaultPreset, `${architecture} starts at its default preset`);
  await page.getByLabel('Epochs').fill('1');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByLabel('Training status').filter({ hasText: /^Finished/ }).waitFor({ timeout: 200_000 });
  const runs = await served.call<RunInfo[]>('listRuns', projectId);
  const run = runs.find((r) => r.config.architecture === architecture);
  assert.equal(run?.status, 'completed', `the ${architecture} run completed`);
  assert.equal(run?.config.preset, offered.defaultPreset);
}

/** Picks the newest model of an architecture as the editor's model and waits for its prediction of the open image. */
async function predictionAppears(architecture: string): Promise<void> {
  const choice = await served.call<ModelChoice>('modelChoice', projectId);
  const model = choice.models.find((m) => m.architecture === architecture)!;
  await page.getByLabel('Editor model').selectOption(String(model.id));
  await page.getByLabel('Prediction source').filter({ hasText: `Prediction by ${model.name}` }).waitFor({ timeout: 60_000 });
  await page.getByLabel('Overlay', { exact: true }).waitFor();
  assert.deepEqual(await served.call<ModelChoice>('modelChoice', projectId).then((c) => [c.modelId, c.reason]), [model.id, 'picked']);
}

// Every registered architecture (the test after them checks the catalogue offers exactly these).
const architectures = skipReason ? [] : ['unet', 'segnet-basic', 'segnet', 'deeplab'];
for (const architecture of architectures) {
  test(`${architecture} trains from the panel with the first preset it offers, and its prediction appears in the editor`, { skip: skipReason ?? false, timeout: 300_000 }, async () => {
    await trainFromPanel(architecture);
    await predictionAppears(architecture);
    assert.deepEqual(errors, []);
  });
}

test('every registered architecture was trained above', { skip: skipReason ?? false }, async () => {
  const { architectures: offered } = await served.call<Catalogue>('catalogue');
  assert.deepEqual(offered.map((a) => a.name).sort(), [...architectures].sort());
});

test('"best by validation" goes back to the core\'s default, named in the picker', { skip: skipReason ?? false, timeout: 120_000 }, async () => {
  await page.getByLabel('Editor model').selectOption('best');
  const choice = await served.call<ModelChoice>('modelChoice', projectId);
  assert.equal(choice.reason, 'best-validation');
  const best = choice.models.find((m) => m.id === choice.bestModelId)!;
  assert.equal(choice.modelId, best.id);
  assert.match(await page.getByLabel('Editor model').locator('option:checked').innerText(), new RegExp(`^Best by validation: ${best.name}`));
  await page.getByLabel('Prediction source').filter({ hasText: `Prediction by ${best.name}` }).waitFor({ timeout: 60_000 });
  // Back to U-Net: its own presets again, from its default.
  await page.getByLabel('Architecture').selectOption('unet');
  assert.equal(await page.getByLabel('Preset').inputValue(), 'tiny');
  assert.deepEqual(errors, []);
});

test('the batch panel counts files from 1: a folder of two ends at "2 / 2"', { skip: skipReason ?? false, timeout: 120_000 }, async () => {
  await page.getByRole('button', { name: 'Batch' }).click();
  await page.getByLabel('Input folder').fill(path.join(dir, 'images'));
  await page.getByLabel('Output folder').fill(path.join(dir, 'out'));
  await page.getByRole('button', { name: 'Segment folder' }).click();
  await page.getByText(/^Done 2, skipped 0, failed 0/).waitFor({ timeout: 100_000 });
  assert.equal(await page.getByLabel('Batch count').innerText(), '2 / 2');
  assert.equal(await page.getByLabel('Batch progress').getAttribute('value'), '2');
  assert.deepEqual(errors, []);
});
