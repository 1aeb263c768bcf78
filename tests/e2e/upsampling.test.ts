// U-Net's up-sampling in the training panel: offered for U-Net only, starting at nearest; picking the paper's
// learnt up-convolution trains a model whose saved config has it, so segment rebuilds the same network.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelInfo, RunInfo } from '../../src/api/types.ts';
import { chromiumMissing, closeWorkbench, discProjectInEditor, type DiscWorkbench } from './harness.ts';

const skipReason = chromiumMissing();
let w: DiscWorkbench | undefined;

after(() => closeWorkbench(w?.browser, w?.served, w?.dir));

test('the panel offers U-Net\'s up-sampling, and a transpose U-Net trains and keeps it in its config', { skip: skipReason ?? false, timeout: 200_000 }, async () => {
  w = await discProjectInEditor('segwork-e2e-upsampling-', 64);
  const { page, served, errors, projectId } = w;
  const upsampling = page.getByLabel('Up-sampling');
  await page.getByLabel('Architecture').selectOption('fcn-8s');
  assert.equal(await upsampling.count(), 0, 'FCN has no up-sampling choice');
  await page.getByLabel('Architecture').selectOption('unet');
  assert.deepEqual(await upsampling.locator('option').allTextContents(), ['nearest', 'bilinear', 'transpose']);
  assert.equal(await upsampling.inputValue(), 'nearest');
  await upsampling.selectOption('transpose');
  await page.getByLabel('Epochs').fill('1');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByLabel('Training status').filter({ hasText: /^Finished/ }).waitFor({ timeout: 180_000 });
  const [run] = await served.call<RunInfo[]>('listRuns', projectId);
  assert.deepEqual(run!.config.modelConfig, { upsampling: 'transpose' });
  const models = await served.call<ModelInfo[]>('listModels', projectId);
  const saved = JSON.parse(readFileSync(path.join(models[0]!.directory, 'segwork.json'), 'utf8'));
  assert.equal(saved.config.upsampling, 'transpose');
  assert.deepEqual(errors, []);
});
