// Segmenting a folder from the workbench, in a worker of its own; the summary (partial when cancelled) stays
// available by job number for the batch panel.
import * as path from 'node:path';
import type { BatchSummary } from '../api/types.ts';
import type { WorkbenchContext } from './workbench-context.ts';

export class BatchSegmentation {
  private readonly summaries = new Map<number, BatchSummary>();

  constructor(private readonly ctx: WorkbenchContext) {}

  start(modelId: number, inputDir: string, outputDir: string): { job: number } {
    const model = this.ctx.ws.models.require(modelId);
    const job = this.ctx.jobs.start(
      { kind: 'segment', modelDir: model.directory, inputDir: path.resolve(inputDir), outputDir: path.resolve(outputDir), probabilities: false, overwrite: false, recursive: true },
      (job) => ({ onBatchEvent: (event) => this.ctx.publish({ job, kind: 'batch', event }) }),
      (end, job) => {
        if (end.status !== 'failed' && end.result) this.summaries.set(job, end.result);
      },
    );
    return { job };
  }

  lastSummary(job: number): BatchSummary | null {
    return this.summaries.get(job) ?? null;
  }
}
