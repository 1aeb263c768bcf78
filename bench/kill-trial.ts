// The tools of one kill -9 trial: a real `segwork` process, SIGKILL at a seeded random moment, and the checks every
// trial ends with (the workspace's integrity, a model directory that loads, no temp file left behind).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadModelDir } from '../src/models/model-dir.ts';
import { WORKSPACE_FILE } from '../src/store/workspace.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const SEGWORK = path.join(REPO_ROOT, 'bin', 'segwork.js');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Started {
  child: ChildProcess;
  finished: Promise<Finished>;
}

/** `segwork ARGS` as a user runs it: its own process, output collected. */
export function startSegwork(args: string[]): Started {
  const child = spawn(process.execPath, [SEGWORK, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const finished = new Promise<Finished>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, finished };
}

export const runSegwork = (args: string[]): Promise<Finished> => startSegwork(args).finished;

/** Runs `segwork ARGS` and SIGKILLs it after `delayMs`; `killed` is false when it ended by itself first. */
export async function runAndKill(args: string[], delayMs: number): Promise<Finished & { killed: boolean }> {
  const { child, finished } = startSegwork(args);
  const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
  const result = await finished;
  clearTimeout(timer);
  return { ...result, killed: result.signal === 'SIGKILL' };
}

/** Milliseconds one clean run of `segwork ARGS` takes (it must succeed): the window kills are drawn from. */
export async function cleanRunMs(args: string[]): Promise<number> {
  const started = Date.now();
  const result = await runSegwork(args);
  if (result.code !== 0) throw new Error(`calibration run segwork ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return Date.now() - started;
}

/** `PRAGMA integrity_check` of the workspace in dir: null when it is ok (or was never created), else SQLite's answer. */
export function integrityProblem(workspaceDir: string): string | null {
  const file = path.join(workspaceDir, WORKSPACE_FILE);
  if (!existsSync(file)) return null;
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 10000');
    const answer = db.pragma('integrity_check', { simple: true });
    return answer === 'ok' ? null : `integrity_check: ${String(answer)}`;
  } finally {
    db.close();
  }
}

/** Null when the model directory loads, else why not. */
export async function modelLoadProblem(dir: string): Promise<string | null> {
  try {
    const loaded = await loadModelDir(dir);
    loaded.model.dispose();
    return null;
  } catch (error) {
    return `model directory ${dir} does not load: ${(error as Error).message}`;
  }
}

/** Temp files (`NAME.tmp-PID`) anywhere under dir: a finished run must leave none. */
export function leftoverTemps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tmp-\d+(-\d+)?$/.test(f));
}
