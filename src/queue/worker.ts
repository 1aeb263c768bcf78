// `segwork worker`: takes jobs from the queue until stopped, each on a job thread (see job-threads.ts). A job that
// fails for its input or its model fails once with the reason (UnrecoverableError); any other failure is retried with
// backoff by BullMQ. A worker that dies mid-job leaves its lock to expire: after the stall interval another worker
// takes the job, whose outputs (temp names, renamed into place) are then written again whole.
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { isCancelled } from './batch-record.ts';
import { openRedis, type QueueAddress } from './connection.ts';
import { JobThreads } from './job-threads.ts';
import { KEY_PREFIX, QUEUE_NAME, type JobResult, type SegmentJob } from './jobs.ts';

export interface WorkerOptions {
  /** Jobs at once, each on its own thread. */
  concurrency: number;
  backend?: string;
  /** How long a job's lock lasts without renewal, and so how soon a dead worker's job goes to another. */
  lockSeconds: number;
  /** Stops taking jobs; the jobs in progress finish first. */
  signal: AbortSignal;
  /** One line per job started, finished or failed. */
  log: (line: string) => void;
}

/** Times a dead worker's job may be taken back before it counts as failed (a job that keeps killing workers). */
const MAX_STALLS = 5;

export async function runWorker(address: QueueAddress, options: WorkerOptions): Promise<{ done: number; failed: number }> {
  const redis = openRedis(address);
  const threads = new JobThreads(options.concurrency, { ...(options.backend ? { backend: options.backend } : {}) });
  const counts = { done: 0, failed: 0 };
  const name = `${hostname()}:${process.pid}`;
  const describe = (job: SegmentJob) => (job.kind === 'block' ? `${job.file} block at ${job.window.x},${job.window.y}` : job.kind === 'assemble' ? `${job.file} (assembling blocks)` : job.file);

  const worker = new Worker<SegmentJob, JobResult>(
    QUEUE_NAME,
    async (job: Job<SegmentJob, JobResult>) => {
      if (await isCancelled(redis, job.data.batch)) throw new UnrecoverableError('cancelled');
      const started = Date.now();
      const reply = await threads.run(job.data);
      if (!reply.ok) throw reply.retry ? new Error(reply.reason) : new UnrecoverableError(reply.reason);
      return { seconds: (Date.now() - started) / 1000, worker: name };
    },
    { connection: redis, prefix: KEY_PREFIX, concurrency: options.concurrency, lockDuration: options.lockSeconds * 1000, stalledInterval: options.lockSeconds * 1000, maxStalledCount: MAX_STALLS, name },
  );
  worker.on('active', (job) => options.log(`started: ${describe(job.data)}`));
  worker.on('completed', (job, result) => {
    counts.done++;
    options.log(`done: ${describe(job.data)} (${result.seconds.toFixed(1)} s)`);
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) counts.failed++;
    options.log(`${final ? 'failed' : 'will retry'}: ${describe(job.data)}: ${error.message}`);
  });
  worker.on('error', (e) => options.log(`queue: ${e.message}`));

  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  // Waits for the jobs in progress; a second Ctrl-C quits at once and their locks expire instead.
  await worker.close();
  await threads.close();
  redis.disconnect();
  return counts;
}
