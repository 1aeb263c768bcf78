// The workbench's long jobs (training, pre-training, batch segmentation): each runs in a compute worker of its own,
// reports progress as events, can be cancelled, and ends as job-end.ts says, with a last 'end' event.
import type { JobEvent, JobStatus } from '../api/service.ts';
import { ComputeWorker, type CallHandlers } from './compute-worker.ts';
import { settleJob, type JobEnd } from './job-end.ts';
import type { JobRequest, JobResults } from './protocol.ts';

export type LongJobKind = 'train' | 'pretrain' | 'segment';

/** The running long jobs of one workbench, numbered for the API; each in its own worker, which ends with it. */
export class LongJobs {
  private readonly running = new Map<number, { worker: ComputeWorker; workerJobId: number; cancelRequested: boolean }>();
  private nextJob = 1;

  constructor(
    private readonly publish: (event: JobEvent) => void,
    private readonly backend?: string,
  ) {}

  /**
   * Starts `request` in a fresh worker and returns its job number. `handlers` get its progress, `onEnd` its end
   * (before the job's 'end' event is published, so a listener of that event sees what onEnd recorded).
   */
  start<K extends LongJobKind>(
    request: Extract<JobRequest, { kind: K }>,
    handlers: (job: number) => CallHandlers,
    onEnd: (end: JobEnd<JobResults[K]>, job: number) => void,
  ): number {
    const job = this.nextJob++;
    const worker = new ComputeWorker(this.backend);
    const { id, result } = worker.start(request, handlers(job));
    const entry = { worker, workerJobId: id, cancelRequested: false };
    this.running.set(job, entry);
    void settleJob(result, () => entry.cancelRequested).then((settled) => {
      this.running.delete(job);
      void worker.terminate();
      let end = settled;
      try {
        onEnd(end, job);
      } catch (e) {
        end = { status: 'failed', error: e as Error }; // recording the end failed (e.g. the workspace closed)
      }
      if (end.status === 'failed') this.publish({ job, kind: 'error', message: end.error.message });
      this.publish({ job, kind: 'end', status: end.status satisfies JobStatus });
    });
    return job;
  }

  /** Asks a running job to stop after its current step or file; unknown or finished jobs are left alone. */
  cancel(job: number): void {
    const entry = this.running.get(job);
    if (!entry) return;
    entry.cancelRequested = true;
    entry.worker.cancel(entry.workerJobId);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map((e) => e.worker.terminate()));
    this.running.clear();
  }
}
