// The job threads of one queue worker: one per concurrent job, each computing with cores ÷ threads, so threads
// never outnumber cores. A thread that dies (out of memory, a native crash) fails its job as retryable and is
// replaced.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SegmentJob } from './jobs.ts';
import type { JobReply, JobRequest, JobThreadData } from './job-thread-protocol.ts';

interface JobThread {
  worker: Worker;
  /** The job it runs now, answered by its reply or its death. */
  current: { id: number; resolve: (reply: JobReply) => void } | null;
}

export class JobThreads {
  private readonly idle: JobThread[] = [];
  private readonly waiting: Array<(thread: JobThread) => void> = [];
  private readonly threads = new Set<JobThread>();
  private nextId = 0;
  private closed = false;

  constructor(private readonly size: number, private readonly data: JobThreadData) {
    for (let i = 0; i < size; i++) this.release(this.start());
  }

  private start(): JobThread {
    const threads = Math.max(1, Math.floor(os.availableParallelism() / this.size));
    const worker = new Worker(new URL('./job-thread-entry.mjs', import.meta.url), { workerData: this.data, env: { ...process.env, SEGWORK_THREADS: String(threads) } });
    const thread: JobThread = { worker, current: null };
    this.threads.add(thread);
    worker.on('message', (reply: JobReply) => {
      const current = thread.current;
      if (current?.id !== reply.id) return;
      thread.current = null;
      current.resolve(reply);
      this.release(thread);
    });
    const died = (why: string) => {
      if (!this.threads.delete(thread)) return;
      if (this.idle.includes(thread)) this.idle.splice(this.idle.indexOf(thread), 1);
      const current = thread.current;
      thread.current = null;
      current?.resolve({ id: current.id, ok: false, reason: `the job thread died (${why})`, retry: true });
      if (!this.closed) this.release(this.start());
    };
    worker.on('error', (e) => died(e.message));
    worker.on('exit', (code) => died(`exit code ${code}`));
    return thread;
  }

  private release(thread: JobThread): void {
    const next = this.waiting.shift();
    if (next) next(thread);
    else this.idle.push(thread);
  }

  /** Runs a job on the next free thread. */
  async run(job: SegmentJob): Promise<JobReply> {
    const thread = this.idle.shift() ?? (await new Promise<JobThread>((resolve) => this.waiting.push(resolve)));
    const id = this.nextId++;
    return new Promise((resolve) => {
      thread.current = { id, resolve };
      thread.worker.postMessage({ id, job } satisfies JobRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.threads].map((t) => t.worker.terminate()));
  }
}
