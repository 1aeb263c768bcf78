// Segmenting a folder from the batch panel: the job, the files that failed, and the summary at the end.
import type { BatchEvent, BatchFailure, BatchSummary } from '../../../src/api/types.ts';
import type { ApiClient } from '../api-client/index.ts';
import { JobState } from './job.svelte.ts';

export class BatchState {
  failures = $state.raw<BatchFailure[]>([]);
  summary = $state.raw<BatchSummary | null>(null);
  readonly job: JobState<'batch'>;

  constructor(
    private readonly api: Pick<ApiClient, 'segmentFolder' | 'lastBatchSummary' | 'cancelJob' | 'onJobEvent'>,
    private readonly error: (text: string) => void,
  ) {
    this.job = new JobState('Batch', 'batch', { api, error }, (event) => this.onEvent(event));
  }

  async run(modelId: number, inputDir: string, outputDir: string): Promise<void> {
    this.failures = [];
    this.summary = null;
    await this.job.start(async () => (await this.api.segmentFolder(modelId, inputDir, outputDir)).job);
  }

  private onEvent(event: BatchEvent): void {
    if (event.type === 'start') {
      this.job.status = `Segmenting ${event.total} file${event.total === 1 ? '' : 's'}`;
      this.job.progress = { done: 0, total: event.total };
    } else if (event.type === 'file') {
      // The core counts files from 1 already.
      this.job.progress = { done: event.index, total: event.total };
      this.job.status = `${event.status === 'failed' ? 'Failed' : event.status === 'skipped' ? 'Skipped' : 'Done'}: ${event.path}`;
      if (event.status === 'failed') this.failures = [...this.failures, { path: event.path, reason: event.reason ?? 'unknown reason' }];
    } else {
      this.job.status = '';
      const finished = this.job.id!;
      this.api.lastBatchSummary(finished).then((s) => (this.summary = s), (e) => this.error(String(e)));
    }
  }
}
