// The fuzz campaign: writes mutants of the seeds, has one long-lived reader process (bench/fuzz-read.ts) read them
// in turn under a time and memory guard, and tallies how each read ended. A reader that hangs, outgrows its memory
// or dies is killed and started again, so one bad mutant costs one result, not the campaign.
import { fork, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { BYTES, DICOM, JPEG, NIFTI, PNG, SQLITE, TIFF, mutate, mutateJson, type FormatMutator, type Mutant } from './fuzz-mutate.ts';
import type { FormatName, Seed } from './fuzz-seeds.ts';
import type { Outcome, ReadReport, ReadRequest } from './fuzz-read.ts';

export const OUTCOMES: Outcome[] = ['ok', 'clean-error', 'bad-error', 'hang', 'blow-up', 'crash'];

export interface CampaignOptions {
  perFormat: number;
  /** Campaign seed: the same seed writes the same mutants. */
  seed: number;
  /** A read taking longer is a hang. */
  hangMs: number;
  /** A reader whose resident memory passes this is a blow-up. */
  memoryMB: number;
  /** Scratch folder for mutants. */
  workDir: string;
  /** Failing mutants are copied here, named by format and number, to be replayed. */
  keepDir?: string;
  /** Called after each mutant, e.g. for progress. */
  onResult?: (result: MutantResult) => void;
}

export interface MutantResult {
  format: FormatName;
  index: number;
  seedFile: string;
  how: string;
  outcome: Outcome;
  message?: string;
  ms: number;
}

export type Tally = Record<Outcome, number>;

export const emptyTally = (): Tally => Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Tally;

/** The mutator for a file: by the format's name, or for masks by the file's own first bytes. */
function mutatorFor(format: FormatName, file: string): FormatMutator | 'json' {
  if (format === 'classes' || /\.json$/.test(file)) return 'json';
  if (format === 'png') return PNG;
  if (format === 'jpeg') return JPEG;
  if (format === 'tiff') return TIFF;
  if (format === 'dicom' || format === 'dicom-series') return DICOM;
  if (format === 'nifti' || format === 'nifti-gz') return NIFTI;
  if (format === 'workspace') return SQLITE;
  const head = readFileSync(file).subarray(0, 8);
  if (head[0] === 0x89) return PNG;
  if (head[0] === 0x49 || head[0] === 0x4d) return TIFF;
  if (/\.nii$/.test(file)) return NIFTI;
  return BYTES;
}

function mutateFile(format: FormatName, file: string, seed: number): Mutant {
  const mutator = mutatorFor(format, file);
  const bytes = readFileSync(file);
  if (mutator === 'json') return mutateJson(bytes.toString('utf8'), seed);
  if (format === 'nifti-gz') {
    // Mostly damage inside the gzip (else nearly every mutant tests only gzip's checksum), sometimes the gzip itself.
    if (seed % 5 === 0) {
      const damaged = mutate(gzipSync(bytes), seed, BYTES);
      return { ...damaged, how: `gzip: ${damaged.how}` };
    }
    const inner = mutate(bytes, seed, NIFTI);
    return { bytes: gzipSync(inner.bytes), how: inner.how };
  }
  return mutate(bytes, seed, mutator);
}

/** Files of a folder seed that a mutant may damage (the workspace's database only: WAL files are not there). */
function targets(format: FormatName, dir: string): string[] {
  const names = readdirSync(dir).sort();
  return format === 'workspace' ? names.filter((n) => n.endsWith('.sqlite')) : names;
}

/** Writes mutant `index` of `seed` under `workDir`; returns its path and what was done. */
export function writeMutant(seed: Seed, index: number, campaignSeed: number, workDir: string): { path: string; how: string } {
  const mutationSeed = (campaignSeed * 1_000_003 + index * 7919) | 0;
  const name = path.basename(seed.path);
  const target = path.join(workDir, `${seed.format}-${index}-${name}${seed.format === 'nifti-gz' ? '.gz' : ''}`);
  if (['dicom-series', 'model', 'workspace'].includes(seed.format)) {
    cpSync(seed.path, target, { recursive: true });
    const files = targets(seed.format, seed.path);
    const victim = files[Math.abs(mutationSeed) % files.length]!;
    const mutant = mutateFile(seed.format, path.join(seed.path, victim), mutationSeed);
    writeFileSync(path.join(target, victim), mutant.bytes);
    return { path: target, how: `${victim}: ${mutant.how}` };
  }
  const mutant = mutateFile(seed.format, seed.path, mutationSeed);
  writeFileSync(target, mutant.bytes);
  return { path: target, how: mutant.how };
}

/** The reader process, restarted after every hang, blow-up or crash. */
class Reader {
  private child: ChildProcess | null = null;
  private stderr = '';

  private async start(): Promise<ChildProcess> {
    if (this.child) return this.child;
    this.stderr = '';
    const child = fork(path.join(import.meta.dirname, 'fuzz-read.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr!.on('data', (chunk) => { this.stderr = (this.stderr + String(chunk)).slice(-4000); });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the fuzz reader did not start (exit ${code}): ${this.stderr}`)));
    });
    child.removeAllListeners('exit');
    this.child = child;
    return child;
  }

  async read(request: ReadRequest, hangMs: number, memoryMB: number): Promise<{ outcome: Outcome; message?: string }> {
    const child = await this.start();
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: { outcome: Outcome; message?: string }, kill: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearInterval(watch);
        child.removeAllListeners('message');
        child.removeAllListeners('exit');
        if (kill) {
          child.kill('SIGKILL');
          this.child = null;
        }
        resolve(result);
      };
      const timer = setTimeout(() => finish({ outcome: 'hang', message: `no answer after ${hangMs} ms` }, true), hangMs);
      const watch = setInterval(() => {
        const rssMB = residentMB(child.pid!);
        if (rssMB > memoryMB) finish({ outcome: 'blow-up', message: `reader's memory reached ${rssMB} MB` }, true);
      }, 25);
      child.once('message', (report: ReadReport) => {
        // A reader that kept much memory after the read starts afresh, so the next mutant is measured alone.
        const restart = report.rssMB > memoryMB / 2;
        finish({ outcome: report.outcome, message: report.message }, restart);
      });
      child.once('exit', (code, signal) => {
        this.child = null;
        const oom = /heap out of memory|Allocation failed|OOM/i.test(this.stderr);
        finish({ outcome: oom ? 'blow-up' : 'crash', message: `reader died (exit ${code ?? signal}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}` }, false);
      });
      child.send(request);
    });
  }

  stop(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
  }
}

function residentMB(pid: number): number {
  try {
    const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return Math.round((pages * 4096) / 2 ** 20);
  } catch {
    return 0;
  }
}

/** Runs `perFormat` mutants of each format's seeds (round robin over the seeds) and tallies the outcomes. */
export async function runCampaign(seeds: Seed[], formats: FormatName[], options: CampaignOptions): Promise<{ tallies: Map<FormatName, Tally>; failures: MutantResult[]; messages: Map<string, number> }> {
  mkdirSync(options.workDir, { recursive: true });
  if (options.keepDir) mkdirSync(options.keepDir, { recursive: true });
  const reader = new Reader();
  const tallies = new Map<FormatName, Tally>();
  const failures: MutantResult[] = [];
  // How often each clean error's wording came up (file path and numbers taken out), to read what users would see.
  const messages = new Map<string, number>();
  try {
    for (const format of formats) {
      const own = seeds.filter((s) => s.format === format);
      if (!own.length) continue;
      const tally = emptyTally();
      tallies.set(format, tally);
      for (let index = 0; index < options.perFormat; index++) {
        const seed = own[index % own.length]!;
        const mutant = writeMutant(seed, index, options.seed, options.workDir);
        const started = performance.now();
        const { outcome, message } = await reader.read({ format, path: mutant.path }, options.hangMs, options.memoryMB);
        const result: MutantResult = { format, index, seedFile: seed.path, how: mutant.how, outcome, message, ms: Math.round(performance.now() - started) };
        tally[outcome]++;
        if (outcome === 'clean-error' && message) {
          const wording = `${format}: ${message.replace(mutant.path, 'FILE').replace(/\d+/g, 'N').slice(0, 160)}`;
          messages.set(wording, (messages.get(wording) ?? 0) + 1);
        }
        if (outcome !== 'ok' && outcome !== 'clean-error') {
          failures.push(result);
          if (options.keepDir) cpSync(mutant.path, path.join(options.keepDir, path.basename(mutant.path)), { recursive: true });
        }
        rmSync(mutant.path, { recursive: true, force: true });
        options.onResult?.(result);
      }
    }
  } finally {
    reader.stop();
  }
  return { tallies, failures, messages };
}

/** format × outcome, as printed by the bench and the README. */
export function formatTable(tallies: Map<FormatName, Tally>): string {
  const header = ['format', 'mutants', ...OUTCOMES];
  const rows = [...tallies].map(([format, t]) => [format, String(OUTCOMES.reduce((n, o) => n + t[o], 0)), ...OUTCOMES.map((o) => String(t[o]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}
