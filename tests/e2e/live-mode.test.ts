// Live mode as a user meets it: the prediction of the open image follows a run epoch by epoch, and after painting
// and pausing the editor's model is fine-tuned on the new strokes and the prediction refreshes. The panel says what
// live mode is doing at each moment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelChoice, RunInfo } from '../../src/api/types.ts';
import { chromiumMissing, closeWorkbench, discProjectInEditor, imageToScreen, type DiscWorkbench } from './harness.ts';

const SIZE = 64;
const skipReason = chromiumMissing();
let w: DiscWorkbench;

before(async () => {
  if (skipReason) return;
  w = await discProjectInEditor('segwork-e2e-live-', SIZE);
  // Every text the live status and the prediction source take, in order, with the training status beside each.
  await w.page.evaluate(() => {
    const seen: string[] = [];
    Object.assign(window, { seenLive: seen });
    new MutationObserver(() => {
      const entry = ['Live status', 'Prediction source', 'Training status'].map((label) => document.querySelector(`[aria-label="${label}"]`)?.textContent ?? '').join(' | ');
      if (seen.at(-1) !== entry) seen.push(entry);
    }).observe(document.body, { childList: true, characterData: true, subtree: true });
  });
});

after(() => closeWorkbench(w?.browser, w?.served, w?.dir));

const seenLive = () => w.page.evaluate(() => (window as unknown as { seenLive: string[] }).seenLive.splice(0));

test('during a run, live mode shows the prediction of the model being trained after each epoch', { skip: skipReason ?? false, timeout: 240_000 }, async () => {
  await w.page.getByLabel('Live', { exact: true }).check();
  assert.match(await w.page.getByLabel('Live status').innerText(), /^Live: the prediction follows the next run, epoch by epoch/);
  await w.page.getByLabel('Architecture').selectOption('unet');
  // Many epochs, stopped once the live prediction was seen: the first prediction starts the predicting worker.
  await w.page.getByLabel('Epochs').fill('200');
  await w.page.getByRole('button', { name: 'Train', exact: true }).click();
  await w.page.getByLabel('Live status').filter({ hasText: /^Live: prediction refreshed after epoch \d+$/ }).waitFor({ timeout: 200_000 });
  const running = await w.page.getByLabel('Training status').innerText();
  await w.page.getByRole('button', { name: 'Stop', exact: true }).click();
  await w.page.getByLabel('Training status').filter({ hasText: /^Finished \(cancelled\)/ }).waitFor({ timeout: 200_000 });
  await w.page.getByLabel('Live status').filter({ hasText: /^Live: prediction refreshed at / }).waitFor({ timeout: 60_000 });
  assert.match(running, /^Epoch \d+\/200, step /, 'the run was still going');
  const seen = await seenLive();
  const [model] = (await w.served.call<ModelChoice>('modelChoice', w.projectId)).models;
  const duringRun = seen.filter((s) => /^Live: prediction refreshed after epoch \d+ \| Prediction by .* \| Epoch \d+\/200/.test(s));
  assert.ok(duringRun.some((s) => s.includes(`Prediction by ${model!.name}`)), `the prediction by the model being trained was shown during the run: ${seen.join('\n')}`);
  assert.deepEqual(w.errors, []);
});

test('paint, pause: live mode fine-tunes the editor\'s model on the new strokes and refreshes the prediction', { skip: skipReason ?? false, timeout: 240_000 }, async () => {
  const [model] = (await w.served.call<ModelChoice>('modelChoice', w.projectId)).models;
  const runsBefore = await w.served.call<RunInfo[]>('listRuns', w.projectId);
  await w.page.getByRole('button', { name: 'Brush' }).click();
  await w.page.getByLabel('Image canvas').focus();
  await w.page.keyboard.press('2');
  await w.page.getByLabel('Brush size').fill('6');
  const at = await imageToScreen(w.page, SIZE, SIZE);
  await w.page.mouse.move(at(24, 30).x, at(24, 30).y);
  await w.page.mouse.down();
  await w.page.mouse.move(at(40, 30).x, at(40, 30).y, { steps: 3 });
  await w.page.mouse.up();
  await w.page.getByLabel('Live status').filter({ hasText: /^Live: waiting for you to pause/ }).waitFor({ timeout: 30_000 });
  await w.page.getByLabel('Live status').filter({ hasText: /^Live: prediction refreshed at / }).waitFor({ timeout: 200_000 });
  const seen = await seenLive();
  const order = ['Live: waiting for you to pause', `Live: fine-tuning ${model!.name} on your strokes`, 'Live: prediction refreshed after epoch 1', 'Live: prediction refreshed at '];
  let from = 0;
  for (const step of order) {
    const i = seen.findIndex((s, k) => k >= from && s.startsWith(step));
    assert.ok(i >= 0, `"${step}" follows, in: ${seen.join('\n')}`);
    from = i;
  }
  assert.match(seen.at(-1)!, new RegExp(`\\| Prediction by ${model!.name} \\| Finished`));
  const runs = await w.served.call<RunInfo[]>('listRuns', w.projectId);
  assert.equal(runs.length, runsBefore.length + 1, 'one fine-tune ran');
  const fineTune = runs.find((r) => !runsBefore.some((b) => b.id === r.id))!;
  assert.deepEqual([fineTune.modelId, fineTune.status, fineTune.epochs.length], [model!.id, 'completed', 1]);
  assert.deepEqual(w.errors, []);
});
