// Runs the `segwork` CLI as a user does: a real process, its exit code, stdout and stderr.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './tmp.ts';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `segwork ARGS` on the wasm backend (or as `env` says); `nodeArgs` go to node itself (e.g. --import HOOKS). */
export function segwork(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot, 'bin/segwork.js'), ...args], { env: { ...process.env, SEGWORK_BACKEND: 'wasm', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** `segwork ARGS` in a process where importing any of `packages` (name prefixes) fails (see refuse-imports.mjs). */
export const segworkRefusing = (packages: readonly string[], args: string[]) =>
  segwork(args, { SEGWORK_REFUSE_IMPORTS: packages.join(',') }, ['--import', pathToFileURL(path.join(repoRoot, 'tests/helpers/refuse-imports.mjs')).href]);

/** `segwork ARGS` in a process where importing TensorFlow.js fails. */
export const segworkWithoutTfjs = (args: string[]) => segworkRefusing(['@tensorflow/'], args);

export const jsonLines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
