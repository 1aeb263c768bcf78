// Fuzz campaign over every reader: mutants of real and generated seed files, read one after another by a guarded
// reader process; prints a format × outcome table. Goal: every mutant ends "ok" or "clean-error" (a UserError
// naming the file and the problem); no bad error, hang (> --hang-ms), memory blow-up (> --memory-mb) or crash.
//   npm run fuzz -- [--count 10000] [--formats png,tiff,…] [--seed 1] [--hang-ms 10000] [--memory-mb 1024]
//                   [--json results.json] [--keep failing-mutants/] [--work DIR]
// Exit code 1 when any mutant failed. --json writes {command, seed, perFormat, tallies, failures}.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FORMATS, buildSeeds, type FormatName } from './fuzz-seeds.ts';
import { formatTable, runCampaign, type MutantResult } from './fuzz-campaign.ts';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '10000' },
    formats: { type: 'string', default: FORMATS.join(',') },
    seed: { type: 'string', default: '1' },
    'hang-ms': { type: 'string', default: '10000' },
    'memory-mb': { type: 'string', default: '1024' },
    json: { type: 'string' },
    keep: { type: 'string' },
    work: { type: 'string' },
  },
});

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}

const formats = args.formats!.split(',').map((f) => f.trim()) as FormatName[];
for (const f of formats) if (!FORMATS.includes(f)) throw new Error(`--formats: unknown format '${f}'; choose from ${FORMATS.join(', ')}`);
const perFormat = positiveInt(args.count!, 'count');
const seed = positiveInt(args.seed!, 'seed');
const work = args.work ?? mkdtempSync(path.join(os.tmpdir(), 'segwork-fuzz-'));

const started = Date.now();
const seeds = await buildSeeds(path.join(work, 'seeds'));
for (const format of formats) {
  const own = seeds.filter((s) => s.format === format);
  console.log(`${format}: ${own.length} seeds${own.length ? `: ${own.map((s) => path.basename(s.path)).join(', ')}` : ' (skipped)'}`);
}
let done = 0;
const progress = (result: MutantResult) => {
  done++;
  if (result.outcome !== 'ok' && result.outcome !== 'clean-error') {
    console.log(`  ${result.outcome}: ${result.format} #${result.index} of ${path.basename(result.seedFile)} (${result.how}): ${result.message?.slice(0, 300)}`);
  }
  if (done % 500 === 0) console.log(`  … ${done} mutants, ${Math.round((Date.now() - started) / 1000)} s`);
};
const { tallies, failures, messages } = await runCampaign(seeds, formats, {
  perFormat, seed, hangMs: positiveInt(args['hang-ms']!, 'hang-ms'), memoryMB: positiveInt(args['memory-mb']!, 'memory-mb'),
  workDir: path.join(work, 'mutants'), keepDir: args.keep, onResult: progress,
});
const seconds = Math.round((Date.now() - started) / 1000);
console.log(`\n${formatTable(tallies)}\n\n${done} mutants in ${seconds} s on ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores), seed ${seed}`);
if (args.json) {
  writeFileSync(args.json, JSON.stringify({ command: process.argv.slice(2), seed, perFormat, seconds, cpu: os.cpus()[0]?.model, tallies: Object.fromEntries(tallies), failures, cleanErrorWordings: Object.fromEntries([...messages].sort((a, b) => b[1] - a[1])) }, null, 2));
}
if (!args.work) rmSync(work, { recursive: true, force: true });
process.exitCode = failures.length ? 1 : 0;
