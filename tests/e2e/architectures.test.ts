// Every architecture from the training panel, as a new user meets it: the panel offers the chosen architecture's
// own presets (from the core's catalogue) and starts at its default, so Train just works; picked as the editor's
// model, each one's prediction appears over the open image; a model then segments a folder from the batch panel,
// whose counter ends at "N / N".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Catalogue, ModelChoice, RunInfo } from '../../src/api/types.ts';
import { chromiumMissing, closeWorkbench, discProjectInEditor, type DiscWorkbench } from './harness.ts';

const SIZE = 64;
const skipReason = chromiumMissing();
let w: DiscWorkbench;

before(async () => {
  if (skipReason) return;
  w = await discProjectInEditor('segwork-e2e-arch-', SIZE);
});

after(() => closeWorkbench(w?.browser, w?.served, w?.dir));

/** Picks an architecture in the panel, checks the presets it offers, and trains one epoch with the first. */
async function trainFromPanel(architecture: string): Promise<void> {
  const { architectures } = await w.served.call<Catalogue>('catalogue');
  const offered = architectures.find((a) => a.name === architecture)!;
  await w.page.getByLabel('Architecture').selectOption(architecture);
  assert.deepEqual(await w.page.getByLabel('Preset').locator('option').allTextContents(), offered.presets, `${architecture}'s own presets`);
  assert.equal(await w.page.getByLabel('Preset').inputValue(), offered.defaultPreset, `${architecture} starts at its default preset`);
  await w.page.getByLabel('Epochs').fill('1');
  await w.page.getByRole('button', { name: 'Train', exact: true }).click();
  await w.page.getByLabel('Training status').filter({ hasText: /^Finished/ }).waitFor({ timeout: 200_000 });
  const runs = await w.served.call<RunInfo[]>('listRuns', w.projectId);
  const run = runs.find((r) => r.config.architecture === architecture);
  assert.equal(run?.status, 'completed', `the ${architecture} run completed`);
  assert.equal(run?.config.preset, offered.defaultPreset);
}

/** Picks the newest model of an architecture as the editor's model and waits for its prediction of the open image. */
async function predictionAppears(architecture: string): Promise<void> {
  const choice = await w.served.call<ModelChoice>('modelChoice', w.projectId);
  const model = choice.models.find((m) => m.architecture === architecture)!;
  await w.page.getByLabel('Editor model').selectOption(String(model.id));
  await w.page.getByLabel('Prediction source').filter({ hasText: `Prediction by ${model.name}` }).waitFor({ timeout: 60_000 });
  await w.page.getByLabel('Overlay', { exact: true }).waitFor();
  assert.deepEqual(await w.served.call<ModelChoice>('modelChoice', w.projectId).then((c) => [c.modelId, c.reason]), [model.id, 'picked']);
}

// Every registered architecture (the test after them checks the catalogue offers exactly these).
const architectures = skipReason ? [] : ['unet', 'segnet-basic', 'segnet', 'deeplab', 'fcn-32s', 'fcn-16s', 'fcn-8s'];
for (const architecture of architectures) {
  test(`${architecture} trains from the panel with the first preset it offers, and its prediction appears in the editor`, { skip: skipReason ?? false, timeout: 300_000 }, async () => {
    await trainFromPanel(architecture);
    await predictionAppears(architecture);
    assert.deepEqual(w.errors, []);
  });
}

test('every registered architecture was trained above', { skip: skipReason ?? false }, async () => {
  const { architectures: offered } = await w.served.call<Catalogue>('catalogue');
  assert.deepEqual(offered.map((a) => a.name).sort(), [...architectures].sort());
});

test('"best by validation" goes back to the core\'s default, named in the picker', { skip: skipReason ?? false, timeout: 120_000 }, async () => {
  await w.page.getByLabel('Editor model').selectOption('best');
  const choice = await w.served.call<ModelChoice>('modelChoice', w.projectId);
  assert.equal(choice.reason, 'best-validation');
  const best = choice.models.find((m) => m.id === choice.bestModelId)!;
  assert.equal(choice.modelId, best.id);
  assert.match(await w.page.getByLabel('Editor model').locator('option:checked').innerText(), new RegExp(`^Best by validation: ${best.name}`));
  await w.page.getByLabel('Prediction source').filter({ hasText: `Prediction by ${best.name}` }).waitFor({ timeout: 60_000 });
  // Back to U-Net: its own presets again, from its default.
  await w.page.getByLabel('Architecture').selectOption('unet');
  assert.equal(await w.page.getByLabel('Preset').inputValue(), 'tiny');
  assert.deepEqual(w.errors, []);
});

test('the batch panel counts files from 1: a folder of two ends at "2 / 2"', { skip: skipReason ?? false, timeout: 120_000 }, async () => {
  await w.page.getByRole('button', { name: 'Batch' }).click();
  await w.page.getByLabel('Input folder').fill(path.join(w.dir, 'images'));
  await w.page.getByLabel('Output folder').fill(path.join(w.dir, 'out'));
  await w.page.getByRole('button', { name: 'Segment folder' }).click();
  await w.page.getByText(/^Done 2, skipped 0, failed 0/).waitFor({ timeout: 100_000 });
  assert.equal(await w.page.getByLabel('Batch count').innerText(), '2 / 2');
  assert.equal(await w.page.getByLabel('Batch progress').getAttribute('value'), '2');
  assert.deepEqual(w.errors, []);
});
