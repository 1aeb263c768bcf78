// Every architecture from the training panel, as a new user meets it: the panel offers the chosen architecture's
// own presets (from the core's catalogue) and starts at its default, so Train just works; the model it makes then
// segments a folder from the batch panel, whose counter ends at "N / N".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Catalogue, RunInfo } from '../../src/api/types.ts';
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
  await page.getByRole('button', { name: 'Editor' }).click();
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

test('SegNet-Basic trains from the panel with the first preset it offers', { skip: skipReason ?? false, timeout: 240_000 }, async () => {
  await trainFromPanel('segnet-basic');
  assert.deepEqual(errors, []);
});

test('DeepLab trains from the panel with the first preset it offers', { skip: skipReason ?? false, timeout: 240_000 }, async () => {
  await trainFromPanel('deeplab');
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
