// The training status counts as the core does, from 1: a 2-epoch run reads "Epoch 1/2, step 1/N" first and
// never shows an epoch past 2 or a step past N (it showed "Epoch 2, step 2/N" in the first epoch).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, closeWorkbench, discProjectInEditor, type DiscWorkbench } from './harness.ts';

const skipReason = chromiumMissing();
let w: DiscWorkbench | undefined;

before(async () => {
  if (skipReason) return;
  w = await discProjectInEditor('segwork-e2e-status-', 64);
});

after(() => closeWorkbench(w?.browser, w?.served, w?.dir));

test('the training status shows the epoch and step the core reports, out of their totals', { skip: skipReason ?? false, timeout: 240_000 }, async () => {
  const { page, errors } = w!;
  await page.getByLabel('Architecture').selectOption('unet');
  await page.getByLabel('Epochs').fill('2');
  // Every text the status takes, including those replaced before a poll could see them.
  await page.evaluate(() => {
    const status = document.querySelector('[aria-label="Training status"]')!;
    const seen: string[] = [];
    const speeds: string[] = [];
    Object.assign(window, { seenStatus: seen, seenSpeed: speeds });
    new MutationObserver(() => seen.push(status.textContent ?? '')).observe(status, { childList: true, characterData: true, subtree: true });
    // The speed line comes and goes with the run: watched from the panel around it.
    new MutationObserver(() => {
      const speed = document.querySelector('[aria-label="Training speed"]')?.textContent;
      if (speed) speeds.push(speed);
    }).observe(status.parentElement!, { childList: true, characterData: true, subtree: true });
  });
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.getByLabel('Training status').filter({ hasText: /^Finished/ }).waitFor({ timeout: 200_000 });
  const seen = await page.evaluate(() => (window as unknown as { seenStatus: string[] }).seenStatus);
  const steps = seen.filter((s) => s.startsWith('Epoch'));
  assert.ok(steps.length > 0, `some step was shown: ${seen.join(' | ')}`);
  const counts = steps.map((s) => {
    const m = /^Epoch (\d+)\/(\d+), step (\d+)\/(\d+), loss /.exec(s);
    assert.ok(m, `"${s}" reads "Epoch E/2, step S/N, loss …"`);
    return m.slice(1).map(Number);
  });
  for (const [[epoch, epochs, step, stepsPerEpoch], text] of counts.map((c, i) => [c, steps[i]] as const)) {
    assert.equal(epochs, 2, text);
    assert.ok(epoch >= 1 && epoch <= epochs && step >= 1 && step <= stepsPerEpoch, text);
  }
  assert.match(steps[0], /^Epoch 1\/2, step 1\//, 'the first step shown is the first of the first epoch');
  assert.ok(counts.some(([epoch]) => epoch === 2), 'the second epoch is shown as 2');

  // Speed and time left, as the core measures them, during the run; gone when it has finished.
  const speeds = await page.evaluate(() => (window as unknown as { seenSpeed: string[] }).seenSpeed);
  assert.ok(speeds.length > 0, 'the speed was shown during the run');
  for (const speed of speeds) assert.match(speed, /^\d+\.\d images\/s · \d+:\d\d left$/);
  assert.equal(await page.getByLabel('Training speed').count(), 0);
  assert.deepEqual(errors, []);
});
