// A training run as the workspace records it, the same for both front doors (`segwork train` and the workbench):
// the run starts with its configuration, each epoch's metrics are added as the epoch ends, and the run finishes
// with how the job ended (done → completed, cancelled, failed).
import type { TrainEvent } from '../api/types.ts';
import type { JobEnd } from '../jobs/job-end.ts';
import type { NewRun } from '../store/runs.ts';
import type { Workspace } from '../store/workspace.ts';

type EpochEvent = Extract<TrainEvent, { type: 'epoch' }>;

export class TrainingRunRecord {
  readonly runId: number;

  constructor(private readonly ws: Workspace, run: NewRun) {
    this.runId = ws.runs.start(run);
  }

  epoch(event: EpochEvent): void {
    this.ws.runs.addEpoch(this.runId, { epoch: event.epoch, loss: event.loss, valLoss: event.valLoss, perClassIoU: event.perClassIoU, meanIoU: event.meanIoU });
  }

  /** The model the run trains, once it exists. */
  get modelId(): number | null {
    return this.ws.runs.get(this.runId)?.modelId ?? null;
  }

  setModel(modelId: number): void {
    this.ws.runs.setModel(this.runId, modelId);
  }

  finish(end: JobEnd<object>): void {
    if (end.status === 'failed') this.ws.runs.finish(this.runId, 'failed', { error: end.error.message });
    else this.ws.runs.finish(this.runId, end.status === 'done' ? 'completed' : 'cancelled', { ...end.result });
  }
}
