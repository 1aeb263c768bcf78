// The CI sample of the kill -9 campaign (bench/kill-campaign.ts runs 100 trials per scenario): a few seeded kills of
// painting in a real `segwork serve`, training, segment, import and pre-training, each followed by the run a user
// would do next. Every trial must hold: no acknowledged stroke lost, resume from the last checkpoint, one complete
// output per input, no duplicate import, a model directory that loads, and PRAGMA integrity_check ok.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKillCampaign } from '../../bench/kill-campaign.ts';
import { ensureRendererBuilt } from './harness.ts';

const TRIALS_PER_SCENARIO = 3;

test(`kill -9 at ${TRIALS_PER_SCENARIO} random moments of each scenario loses nothing`, async () => {
  ensureRendererBuilt();
  const outcomes = await runKillCampaign({ trials: TRIALS_PER_SCENARIO, seed: 2026 });
  assert.deepEqual(outcomes.map((o) => o.scenario), ['painting', 'training', 'segment', 'import', 'pretraining']);
  for (const outcome of outcomes) {
    assert.equal(outcome.trials, TRIALS_PER_SCENARIO, outcome.scenario);
    assert.deepEqual(outcome.failures, [], `${outcome.scenario}: ${JSON.stringify(outcome.failures)}`);
  }
});
