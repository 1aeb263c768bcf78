// The CI-sized sample of the fuzz campaign (bench/fuzz.ts runs the full count): mutants of every reader's seed files,
// read by a guarded reader process, must each end in an image or a clean error (a UserError naming the file and the
// problem), never a bad error, a hang, a memory blow-up or a crash. A fixed seed makes every failure reproducible:
// `npm run fuzz -- --formats F --count N --seed 20261206 --keep DIR` writes the failing mutants to DIR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { buildSeeds, type FormatName } from '../../../bench/fuzz-seeds.ts';
import { formatTable, runCampaign } from '../../../bench/fuzz-campaign.ts';
import { tempDir } from '../../helpers/tmp.ts';

const SEED = 20261206;
const PER_FORMAT = Number(process.env.SEGWORK_FUZZ_COUNT ?? 60);
const FORMATS: FormatName[] = ['png', 'jpeg', 'tiff', 'dicom', 'dicom-series', 'nifti', 'nifti-gz', 'mask', 'classes', 'model', 'workspace'];

test(`${PER_FORMAT} mutants per reader format end in an image or a clean error`, { timeout: 600_000 }, async (t) => {
  const dir = tempDir(t, 'segwork-fuzz-');
  const seeds = await buildSeeds(path.join(dir, 'seeds'));
  const { tallies, failures } = await runCampaign(seeds, FORMATS, { perFormat: PER_FORMAT, seed: SEED, hangMs: 10_000, memoryMB: 1024, workDir: path.join(dir, 'mutants') });
  for (const line of formatTable(tallies).split('\n')) t.diagnostic(line);
  assert.deepEqual(failures.map((f) => `${f.outcome}: ${f.format} #${f.index} of ${path.basename(f.seedFile)} (${f.how}): ${f.message}`), []);
});
