// Following a batch from any machine: each file's job is polled until it has finished, and reported once, so the
// summary counts every file exactly once however often its job was retried or taken over. A job that reports
// success without its output on disk counts as failed: the summary never claims an output that is not there.
import { existsSync } from 'node:fs';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { InputError } from '../api/errors.ts';
import type { BatchEvent, BatchSummary } from '../api/types.ts';
import { BatchTracker } from '../inference/batch.ts';
import { loadBatch, markCancelled, type BatchFile, type BatchRecord } from './batch-record.ts';
import { QueueUnavailableError, type QueueAddress } from './connection.ts';
import { KEY_PREFIX, QUEUE_NAME } from './jobs.ts';

export interface FollowOptions {
  onEvent?: (event: BatchEvent) => void;
  /** Stops following (the batch goes on on the workers). */
  signal?: AbortSignal;
  /** How long Redis may be unreachable before following gives up. */
  lostAfterSeconds?: number;
}

const POLL_MS = 300;
/** Jobs polled per round, so a batch of many thousand files costs Redis a bounded load. */
const POLL_BATCH = 1000;

type Outcome = { status: 'done' | 'failed'; seconds: number; reason?: string };

function queueOf(redis: Redis): Queue {
  return new Queue(QUEUE_NAME, { connection: redis, prefix: KEY_PREFIX });
}

export async function requireBatch(redis: Redis, id: string): Promise<BatchRecord> {
  const record = await loadBatch(redis, id);
  if (!record) throw new InputError(id, 'no such batch in this Redis (a wrong id, a batch older than a week, or a Redis that lost its data)');
  return record;
}

/** Rejects when Redis has not answered for `seconds`: requests otherwise wait through reconnects for ever. */
function withinReach<T>(work: Promise<T>, address: QueueAddress, seconds: number, batch: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const lost = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailableError(`lost Redis at ${address.host}:${address.port} for ${seconds} s while following batch ${batch}; its jobs stay queued (segwork batch status ${batch})`)), seconds * 1000);
  });
  return Promise.race([work, lost]).finally(() => clearTimeout(timer));
}

/** Why a job failed; for a large raster whose block failed, why the block did. */
async function failedReason(queue: Queue, id: string): Promise<string> {
  const reason = (await queue.getJob(id))?.failedReason || 'failed';
  // BullMQ fails a flow's parent with "child PREFIX:QUEUE:ID failed".
  const child = /^child \S*:([^:\s]+) failed$/.exec(reason)?.[1];
  const childReason = child ? (await queue.getJob(child))?.failedReason : undefined;
  return childReason ? `a block failed: ${childReason}` : reason;
}

/** A finished job's outcome, or null while it is still to do. */
async function outcomeOf(queue: Queue, redis: Redis, record: BatchRecord, file: BatchFile): Promise<Outcome | null> {
  const state = await queue.getJobState(file.id);
  if (state === 'completed') {
    const job = await queue.getJob(file.id);
    const seconds = job?.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
    if (!existsSync(file.output)) return { status: 'failed', seconds, reason: `its job completed but ${file.output} is missing` };
    return { status: 'done', seconds };
  }
  if (state === 'failed') return { status: 'failed', seconds: 0, reason: await failedReason(queue, file.id) };
  if (state !== 'unknown') return null;
  const now = await loadBatch(redis, record.id);
  if (!now) throw new QueueUnavailableError(`Redis no longer has batch ${record.id} (restarted without persistence, or flushed): outputs written so far are kept; run the same segment command again to do the rest`);
  return { status: 'failed', seconds: 0, reason: now.cancelled ? 'cancelled' : 'its job is gone from Redis (removed by hand?)' };
}

/** Follows a batch to its end and returns its summary; returns early, with what has finished, when `signal` aborts. */
export async function followBatch(redis: Redis, address: QueueAddress, id: string, options: FollowOptions = {}): Promise<BatchSummary> {
  const lostAfter = options.lostAfterSeconds ?? 60;
  const record = await withinReach(requireBatch(redis, id), address, lostAfter, id);
  const tracker = new BatchTracker(record.files.length + record.skipped.length, options.onEvent);
  for (const item of record.skipped) tracker.record(item, 'skipped', 0);
  const queue = queueOf(redis);
  try {
    let pending = record.files;
    while (pending.length > 0 && !options.signal?.aborted) {
      const round = pending.slice(0, POLL_BATCH);
      const outcomes = await withinReach(Promise.all(round.map((file) => outcomeOf(queue, redis, record, file))), address, lostAfter, id);
      round.forEach((file, i) => {
        const outcome = outcomes[i];
        if (outcome) tracker.record(file, outcome.status, outcome.seconds, outcome.reason);
      });
      const finished = new Set(round.filter((_, i) => outcomes[i]));
      pending = pending.filter((file) => !finished.has(file));
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    await queue.close();
  }
  return tracker.finish();
}

export interface BatchStatus {
  id: string;
  total: number;
  skipped: number;
  cancelled: boolean;
  /** Files by their job's state: completed, failed, active, waiting, delayed, waiting-children, unknown (gone). */
  states: Record<string, number>;
  failures: { path: string; reason: string }[];
}

export async function batchStatus(redis: Redis, id: string): Promise<BatchStatus> {
  const record = await requireBatch(redis, id);
  const queue = queueOf(redis);
  try {
    const states: Record<string, number> = {};
    const failures: BatchStatus['failures'] = [];
    for (const file of record.files) {
      const state = await queue.getJobState(file.id);
      states[state] = (states[state] ?? 0) + 1;
      if (state === 'failed') failures.push({ path: file.file, reason: await failedReason(queue, file.id) });
    }
    return { id, total: record.files.length + record.skipped.length, skipped: record.skipped.length, cancelled: record.cancelled, states, failures };
  } finally {
    await queue.close();
  }
}

/** Removes the batch's jobs that have not started; jobs already running finish (their outputs are complete). */
export async function cancelBatch(redis: Redis, id: string): Promise<{ removed: number; running: number }> {
  const record = await requireBatch(redis, id);
  await markCancelled(redis, id);
  const queue = queueOf(redis);
  let removed = 0;
  let running = 0;
  try {
    for (const file of record.files) {
      const state = await queue.getJobState(file.id);
      if (state === 'completed' || state === 'failed' || state === 'unknown') continue;
      // A locked (running) job, or a flow with a running block, cannot be removed: it is left to finish.
      if ((await queue.remove(file.id, { removeChildren: true })) === 1) removed++;
      else running++;
    }
  } finally {
    await queue.close();
  }
  return { removed, running };
}
