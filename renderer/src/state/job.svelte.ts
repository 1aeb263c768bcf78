// One long job of the core (training, pre-training, a batch) as a panel shows it: whether it runs, a status line,
// progress, Stop, its failure and its end. The three panels share this instead of each keeping its own copy.
import type { JobEvent } from '../../../src/api/service.ts';
import type { ApiClient } from '../api-client/index.ts';

type Kind = Exclude<JobEvent['kind'], 'error' | 'end'>;
/** The events of one kind of job; each kind ends with an event of type 'end'. */
export type JobEventOf<K extends Kind> = Extract<JobEvent, { kind: K }>['event'];

export interface JobDependencies {
  api: Pick<ApiClient, 'cancelJob' | 'onJobEvent'>;
  /** Tells the user something failed. */
  error: (text: string) => void;
  /**
   * The open project, for jobs that belong to one: their progress shows only while that project is open, and out of
   * sight only their end (or failure) matters, so the next one may start.
   */
  openProject?: () => number | null;
}

export class JobState<K extends Kind> {
  /** The core's job id while it runs. */
  id = $state<number | null>(null);
  status = $state('');
  /** Units done out of the total (steps, files, seconds), for a progress bar; null until the job reports any. */
  progress = $state<{ done: number; total: number } | null>(null);
  running = $derived(this.id !== null);
  private project: number | null = null;

  /** `what` names the job in messages ("Training"); `onEvent` turns the job's events into the panel's own state. */
  constructor(
    private readonly what: string,
    private readonly kind: K,
    private readonly deps: JobDependencies,
    private readonly onEvent: (event: JobEventOf<K>) => void,
  ) {
    deps.api.onJobEvent((event) => this.receive(event));
  }

  /** Starts the job unless one runs already; `launch` asks the core and answers the job id. False if it did not start. */
  async start(launch: () => Promise<number>, project: number | null = null): Promise<boolean> {
    if (this.id !== null) return false;
    this.status = 'Starting…';
    this.progress = null;
    try {
      this.id = await launch();
      this.project = project;
      return true;
    } catch (e) {
      this.status = '';
      this.deps.error(e instanceof Error ? e.message : String(e));
      return false;
    }
  }

  async stop(): Promise<void> {
    if (this.id === null) return;
    try {
      await this.deps.api.cancelJob(this.id);
      this.status = 'Stopping…';
    } catch (e) {
      this.deps.error(e instanceof Error ? e.message : String(e));
    }
  }

  /** Another project was opened: this one's status is not that project's. A running job goes on out of sight. */
  projectChanged(): void {
    this.progress = null;
    this.status = this.id !== null ? `${this.what} of another project continues in the background` : '';
  }

  private receive(event: JobEvent): void {
    if (event.job !== this.id) return;
    const inSight = !this.deps.openProject || this.project === this.deps.openProject();
    if (event.kind === 'error') {
      this.id = null;
      const text = `${this.what}${inSight ? '' : ' of another project'} failed: ${event.message}`;
      this.status = inSight ? text : '';
      this.deps.error(text);
      return;
    }
    if (event.kind === 'end') {
      // The core's last word on every job, whatever its kind said before (a failed or cancelled job may say nothing).
      this.id = null;
      if (!inSight) this.status = '';
      return;
    }
    if (event.kind !== this.kind) return;
    const jobEvent = event.event as JobEventOf<K>;
    if (inSight) this.onEvent(jobEvent);
    if (jobEvent.type === 'end') {
      this.id = null;
      if (!inSight) this.status = '';
    }
  }
}
