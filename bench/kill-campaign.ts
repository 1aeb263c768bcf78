// The kill -9 campaign: trials at seeded random moments of painting, training, segment, import and pre-training,
// each a real `segwork` process killed with SIGKILL and then run again as a user would (bench/kill-scenarios.ts).
//   node bin/run-ts.js bench/kill-campaign.ts [--trials 100] [--scenarios painting,training,segment,import,pretraining]
//                                             [--seed 1] [--json] [--keep]
// Prints a table (or with --json one object per scenario): trials, killed mid-run, held, failed, and each
// failure's broken promises. Exits 1 when any trial failed. The CI sample is tests/integration/kill-campaign.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from '../src/training/rng.ts';
import { SCENARIOS, trialDirFor } from './kill-scenarios.ts';

export interface ScenarioOutcome {
  scenario: string;
  trials: number;
  /** Trials whose process was still running when the kill came. */
  killedMidRun: number;
  held: number;
  failed: number;
  failures: { trial: number; problems: string[] }[];
  seconds: number;
}

export interface CampaignOptions {
  trials: number;
  scenarios?: string[];
  seed?: number;
  /** Keep the trials' folders (under the printed root) instead of removing them. */
  keep?: boolean;
  onTrial?: (scenario: string, trial: number, problems: string[]) => void;
}

export async function runKillCampaign(options: CampaignOptions): Promise<ScenarioOutcome[]> {
  const unknown = (options.scenarios ?? []).filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; there are ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const chosen = SCENARIOS.filter((s) => !options.scenarios || options.scenarios.includes(s.name));
  const root = mkdtempSync(path.join(os.tmpdir(), 'segwork-kill-'));
  const outcomes: ScenarioOutcome[] = [];
  try {
    for (const scenario of chosen) {
      const started = Date.now();
      const rng = new Rng((options.seed ?? 1) * 7919 + outcomes.length);
      const { trial, finish } = await scenario.prepare(trialDirFor(root, scenario.name, -1));
      const outcome: ScenarioOutcome = { scenario: scenario.name, trials: 0, killedMidRun: 0, held: 0, failed: 0, failures: [], seconds: 0 };
      try {
        for (let i = 0; i < options.trials; i++) {
          const trialDir = trialDirFor(root, scenario.name, i);
          const result = await trial(i, rng, trialDir);
          outcome.trials++;
          if (result.killed) outcome.killedMidRun++;
          if (result.problems.length === 0) outcome.held++;
          else {
            outcome.failed++;
            outcome.failures.push({ trial: i, problems: result.problems });
          }
          options.onTrial?.(scenario.name, i, result.problems);
          if (!options.keep && result.problems.length === 0) rmSync(trialDir, { recursive: true, force: true });
        }
      } finally {
        await finish?.();
      }
      outcome.seconds = (Date.now() - started) / 1000;
      outcomes.push(outcome);
    }
  } finally {
    if (!options.keep && outcomes.every((o) => o.failed === 0)) rmSync(root, { recursive: true, force: true });
    else process.stderr.write(`trial folders kept under ${root}\n`);
  }
  return outcomes;
}

function printTable(outcomes: ScenarioOutcome[]): void {
  console.log('| scenario | trials | killed mid-run | held | failed | seconds |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const o of outcomes) console.log(`| ${o.scenario} | ${o.trials} | ${o.killedMidRun} | ${o.held} | ${o.failed} | ${Math.round(o.seconds)} |`);
  const sum = (key: 'trials' | 'killedMidRun' | 'held' | 'failed' | 'seconds') => outcomes.reduce((n, o) => n + o[key], 0);
  console.log(`| all | ${sum('trials')} | ${sum('killedMidRun')} | ${sum('held')} | ${sum('failed')} | ${Math.round(sum('seconds'))} |`);
  for (const o of outcomes) for (const f of o.failures) console.log(`${o.scenario} trial ${f.trial}: ${f.problems.join('; ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { trials: { type: 'string', default: '100' }, scenarios: { type: 'string' }, seed: { type: 'string', default: '1' }, json: { type: 'boolean' }, keep: { type: 'boolean' } },
  });
  const trials = Number(values.trials);
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`--trials must be a positive integer, got "${values.trials}"`);
  const outcomes = await runKillCampaign({
    trials,
    scenarios: values.scenarios?.split(','),
    seed: Number(values.seed),
    keep: values.keep,
    onTrial: (scenario, trial, problems) => process.stderr.write(`${scenario} ${trial + 1}/${trials}: ${problems.length === 0 ? 'held' : problems.join('; ')}\n`),
  });
  if (values.json) for (const o of outcomes) console.log(JSON.stringify(o));
  else printTable(outcomes);
  process.exitCode = outcomes.some((o) => o.failed > 0) ? 1 : 0;
}
