// Batch segmentation over a pool of worker threads, one image per worker at a time, so every core works even
// where one image's inference cannot use them all (and reading/writing files overlaps with compute).
// Same contract as segmentFolder in src/inference/batch.ts: a mask per image at the same relative path,
// files whose mask exists are skipped unless overwrite, failures are reported and the batch goes on.
// Each worker runs wasm with cores / workers XNNPACK threads (SEGWORK_WASM_THREADS), so threads never
// outnumber cores.
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BatchSummary } from '../api/types.ts';
import { checkWritableDir, outputPathFor, type BatchOptions } from '../inference/batch.ts';
import { InputError, listImageFiles } from '../io/index.ts';
import type { PoolReply, PoolRequest, PoolWorkerData } from './segment-pool-protocol.ts';

export interface PoolOptions extends BatchOptions {
  /** Worker threads (default: one per core, at most one per image). */
  workers?: number;
  /** Backend for the workers (default: the fastest available, as initBackend chooses). */
  backend?: string;
}

/** Workers for a folder: one per core unless asked otherwise, never more than there are images. */
export function poolSize(requested: number | undefined, images: number): number {
  const wanted = requested ?? os.availableParallelism();
  if (!Number.isInteger(wanted) || wanted < 1) throw new Error(`workers must be a positive integer, got ${wanted}`);
  return Math.max(1, Math.min(wanted, images));
}

interface PoolWorker {
  worker: Worker;
  /** Resolves with the next reply of this worker. */
  next(): Promise<PoolReply>;
}

function startWorker(data: PoolWorkerData, threads: number): PoolWorker {
  const worker = new Worker(new URL('./segment-pool-entry.mjs', import.meta.url), {
    workerData: data,
    env: { ...process.env, SEGWORK_WASM_THREADS: String(threads) },
  });
  const queue: PoolReply[] = [];
  const waiting: Array<{ resolve: (r: PoolReply) => void; reject: (e: Error) => void }> = [];
  let failure: Error | null = null;
  worker.on('message', (reply: PoolReply) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(reply);
    else queue.push(reply);
  });
  const fail = (error: Error) => {
    failure = error;
    for (const waiter of waiting.splice(0)) waiter.reject(error);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`segment worker exited (code ${code})`)));
  return {
    worker,
    next: () => {
      const ready = queue.shift();
      if (ready) return Promise.resolve(ready);
      if (failure) return Promise.reject(failure);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
  };
}

/** segmentFolder over a worker pool; `modelDir` is loaded by each worker. */
export async function segmentFolderPooled(modelDir: string, options: PoolOptions): Promise<BatchSummary> {
  const emit = options.onEvent ?? (() => {});
  const files = await listImageFiles(options.inputDir, { recursive: options.recursive });
  if (files.length === 0) throw new InputError(options.inputDir, 'no images found (empty folder or no supported files)');
  await checkWritableDir(options.outputDir);
  const started = Date.now();
  const summary: BatchSummary = { done: 0, skipped: 0, failed: 0, failures: [], seconds: 0, imagesPerSecond: 0 };
  emit({ type: 'start', total: files.length });
  let reported = 0;
  const report = (file: string, output: string, status: 'done' | 'skipped' | 'failed', seconds: number, reason?: string) =>
    emit({ type: 'file', index: ++reported, total: files.length, path: file, status, output, seconds, ...(reason ? { reason } : {}) });

  const pending: Array<{ file: string; output: string }> = [];
  for (const file of files) {
    const output = outputPathFor(options.inputDir, options.outputDir, file);
    if (!options.overwrite && existsSync(output)) {
      summary.skipped++;
      report(file, output, 'skipped', 0);
    } else {
      pending.push({ file, output });
    }
  }

  const size = pending.length > 0 ? poolSize(options.workers, pending.length) : 0;
  const threads = Math.max(1, Math.floor(os.availableParallelism() / Math.max(size, 1)));
  const workers = Array.from({ length: size }, () => startWorker({ modelDir, backend: options.backend }, threads));
  try {
    for (const w of workers) {
      const reply = await w.next();
      if (reply.type !== 'ready') throw new Error(`segment worker did not start: ${JSON.stringify(reply)}`);
    }
    let nextFile = 0;
    // Each worker pulls the next file when it finishes one, so a slow image never holds the others up.
    await Promise.all(workers.map(async (w) => {
      while (nextFile < pending.length && !options.signal?.aborted) {
        const id = nextFile++;
        const { file, output } = pending[id]!;
        await fs.mkdir(path.dirname(output), { recursive: true });
        w.worker.postMessage({ type: 'segment', id, file, output, probabilities: options.probabilities, tiles: options.tiles } satisfies PoolRequest);
        const reply = await w.next();
        if (reply.type === 'done') {
          summary.done++;
          report(file, output, 'done', reply.seconds);
        } else if (reply.type === 'failed') {
          summary.failed++;
          summary.failures.push({ path: file, reason: reply.reason });
          report(file, output, 'failed', reply.seconds, reply.reason);
        }
      }
    }));
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
  summary.seconds = (Date.now() - started) / 1000;
  summary.imagesPerSecond = summary.done / Math.max(summary.seconds, 1e-9);
  emit({ type: 'end', done: summary.done, skipped: summary.skipped, failed: summary.failed, seconds: summary.seconds });
  return summary;
}
