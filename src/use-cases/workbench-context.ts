// What the workbench's use cases share: the workspace, the long jobs, and the one worker for interactive requests
// (predictions, CAM, evaluation), started on first use so opening the workbench costs no tfjs start-up.
import type { JobEvent } from '../api/service.ts';
import { ComputeWorker } from '../jobs/compute-worker.ts';
import { LongJobs } from '../jobs/long-jobs.ts';
import type { Workspace } from '../store/workspace.ts';

export class WorkbenchContext {
  readonly jobs: LongJobs;
  private interactive: ComputeWorker | null = null;

  constructor(
    readonly ws: Workspace,
    readonly publish: (event: JobEvent) => void,
    /** Forced compute backend (as --backend); undefined picks the best that loads. */
    readonly backend?: string,
  ) {
    this.jobs = new LongJobs(publish, backend);
  }

  interactiveWorker(): ComputeWorker {
    return (this.interactive ??= new ComputeWorker(this.backend));
  }

  async close(): Promise<void> {
    await this.jobs.close();
    await this.interactive?.terminate();
  }
}
