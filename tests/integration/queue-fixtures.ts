// Shared set-up of the queue tests: a tiny model, a folder of real images, `segwork worker` processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { defaultClasses } from '../../src/labels/palette.ts';
import { initBackend } from '../../src/compute/backends.ts';
import { saveModelDir } from '../../src/models/model-dir.ts';
import { buildUNet, type UNetConfig } from '../../src/models/unet.ts';
import { writeSquaresDataset } from '../helpers/images.ts';
import { repoRoot, sharedData } from '../helpers/tmp.ts';

const config: UNetConfig = { inputChannels: 1, numClasses: 2, depth: 2, baseFilters: 4, dropout: 0, batchNorm: false, upsampling: 'nearest' };

/** A tiny untrained U-Net for grey images (its masks are arbitrary but deterministic, which is all these tests need). */
export async function tinyModel(dir: string): Promise<string> {
  await initBackend('wasm');
  const modelDir = path.join(dir, 'model');
  const model = buildUNet(config);
  await saveModelDir(modelDir, model, {
    format: 'segwork-model', formatVersion: 1, architecture: 'unet', config: { ...config }, classes: defaultClasses(2), inputChannels: 1,
    normalisation: { mean: [128], std: [64] },
  });
  model.dispose();
  return modelDir;
}

/** 30 real EM images (512², the ISBI 2012 unlabeled set) or, where shared data is absent, 30 generated ones. */
export function thirtyImages(t: TestContext, dir: string): string {
  const isbi = path.join(sharedData, 'isbi2012-membrane', 'unlabeled');
  if (existsSync(isbi) && readdirSync(isbi).length >= 30) return isbi;
  t.diagnostic(`${isbi} is absent: using 30 generated images`);
  return writeSquaresDataset(dir, 30, 128).images;
}

/** Every file under `dir` (relative paths) with its bytes. */
export function filesUnder(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full), readFileSync(full));
  }
  return files;
}

export interface WorkerProcess {
  child: ChildProcess;
  log: () => string;
  /** Resolves with the exit code once it has exited. */
  exited: Promise<number | null>;
}

/** `segwork worker` as a real process, stopped (SIGKILL) when the test ends if still running. */
export function startWorker(t: TestContext, url: string, extra: string[] = []): WorkerProcess {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/segwork.js'), 'worker', '--queue', url, '--lock-seconds', '5', ...extra], {
    env: { ...process.env, SEGWORK_BACKEND: 'wasm', SEGWORK_THREADS: '1' },
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, log: () => log, exited };
}
