// Batch segmentation over a pool of worker threads, one image per worker at a time, so every core works even
// where one image's inference cannot use them all (and reading/writing files overlaps with compute).
// Same contract as segmentFolder in src/inference/batch.ts, each worker running segmentFile (segment-file.ts): a
// mask per image at the same relative path, files whose mask exists are skipped unless overwrite, failures are
// reported and the batch goes on.
// Each worker computes with cores / workers threads (SEGWORK_THREADS: XNNPACK or ONNX Runtime), so threads never
// outnumber cores.
import * as fs from 'node:fs/promises';
import os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { BatchSummary } from '../api/types.ts';
import { chooseEngine } from '../compute/backends.ts';
import { BatchTracker, planBatch, type BatchOptions } from '../inference/batch.ts';
import { readOnnxModel } from '../models/onnx/model-file.ts';
import type { PoolReply, PoolRequest, PoolWorkerData } from './segment-pool-protocol.ts';

export interface PoolOptions extends BatchOptions {
  /** Worker threads (default: one per core, at most one per image). */
  workers?: number;
  /** Backend for the workers (default: ONNX Runtime when present, else the fastest tfjs backend). */
  backend?: string;
  /** One line for the user (a model.onnx exported again). */
  note?: (line: string) => void;
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
    env: { ...process.env, SEGWORK_THREADS: String(threads) },
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
  const plan = await planBatch(options);
  const tracker = new BatchTracker(plan.total, options.onEvent);
  for (const item of plan.done) tracker.record(item, 'skipped', 0);
  const pending = plan.todo;
  const size = pending.length > 0 ? poolSize(options.workers, pending.length) : 0;
  const threads = Math.max(1, Math.floor(os.availableParallelism() / Math.max(size, 1)));
  // A missing or stale model.onnx is exported once here, not by every worker at once.
  if (size > 0 && (await chooseEngine(options.backend)).kind === 'onnxruntime') await readOnnxModel(modelDir, options.note);
  let engine: string | undefined;
  const workers = Array.from({ length: size }, () => startWorker({ modelDir, backend: options.backend }, threads));
  try {
    for (const w of workers) {
      const reply = await w.next();
      if (reply.type !== 'ready') throw new Error(`segment worker did not start: ${JSON.stringify(reply)}`);
      engine = reply.backend;
    }
    let nextFile = 0;
    // Each worker pulls the next file when it finishes one, so a slow image never holds the others up.
    await Promise.all(
      workers.map(async (w) => {
        while (nextFile < pending.length && !options.signal?.aborted) {
          const id = nextFile++;
          const item = pending[id]!;
          await fs.mkdir(path.dirname(item.output), { recursive: true });
          const { probabilities, uncertainty, dicomSeg, geojson, tiles, refine } = options;
          w.worker.postMessage({ type: 'segment', id, file: item.file, output: item.output, options: { probabilities, uncertainty, dicomSeg, geojson, tiles, refine } } satisfies PoolRequest);
          const reply = await w.next();
          if (reply.type === 'done') tracker.record(item, 'done', reply.seconds);
          else if (reply.type === 'failed') tracker.record(item, 'failed', reply.seconds, reply.reason);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
  return { ...tracker.finish(), ...(engine ? { engine } : {}) };
}
