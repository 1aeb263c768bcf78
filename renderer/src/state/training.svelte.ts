// A training run as the panel shows it: options, the job, and per-epoch loss and IoU from job events.
// Live mode fine-tunes the newest model in the background after the user paints, then refreshes the prediction.
import type { EpochMetrics, TrainEvent } from '../../../src/api/types.ts';
import type { AppState } from './app.svelte.ts';

export const ARCHITECTURES = ['unet', 'segnet', 'segnet-basic', 'deeplab'] as const;
export const PRESETS = ['tiny', 'small', 'standard'] as const;

/** Live mode waits for the user to pause painting this long before it fine-tunes. */
const LIVE_IDLE_MS = 3000;

export class TrainingState {
  architecture = $state<string>('unet');
  preset = $state<string>('tiny');
  epochs = $state(5);
  live = $state(false);
  job = $state<number | null>(null);
  status = $state('');
  history = $state.raw<EpochMetrics[]>([]);
  stepLoss = $state.raw<number[]>([]);
  private liveTimer: ReturnType<typeof setTimeout> | undefined;

  running = $derived(this.job !== null);

  constructor(private readonly app: AppState) {
    app.onJobEvent((event) => {
      if (event.job !== this.job) return;
      if (event.kind === 'train') this.onTrainEvent(event.event);
      else if (event.kind === 'error') {
        this.status = `Training failed: ${event.message}`;
        this.app.error(this.status);
        this.job = null;
      }
    });
  }

  async train(baseModelId?: number, epochs = this.epochs): Promise<void> {
    const projectId = this.app.projectId;
    if (projectId === null || this.job !== null) return;
    await this.app.attempt(async () => {
      await this.app.editor.flush();
      this.history = [];
      this.stepLoss = [];
      this.status = 'Starting…';
      const options = baseModelId === undefined ? { architecture: this.architecture, preset: this.preset, epochs } : { baseModelId, epochs };
      const { job } = await this.app.api.startTraining(projectId, options);
      this.job = job;
    });
    if (this.job === null) this.status = '';
  }

  async stop(): Promise<void> {
    if (this.job === null) return;
    await this.app.attempt(() => this.app.api.cancelJob(this.job!));
    this.status = 'Stopping…';
  }

  /** Called after each autosave: in live mode, fine-tune once the user pauses. */
  labelsChanged(): void {
    if (!this.live) return;
    clearTimeout(this.liveTimer);
    this.liveTimer = setTimeout(() => {
      const newest = this.app.newestModel;
      if (this.job === null && newest) void this.train(newest.id, 1);
    }, LIVE_IDLE_MS);
  }

  private onTrainEvent(event: TrainEvent): void {
    switch (event.type) {
      case 'start':
        this.status = `Training on ${event.trainImages} image${event.trainImages === 1 ? '' : 's'} (${event.backend}, ${event.parameters.toLocaleString()} parameters)`;
        return;
      case 'step':
        this.stepLoss = [...this.stepLoss, event.loss];
        this.status = `Epoch ${event.epoch + 1}, step ${event.step + 1}/${event.stepsPerEpoch}, loss ${event.loss.toFixed(4)}`;
        return;
      case 'epoch':
        this.history = [...this.history, { epoch: event.epoch, loss: event.loss, valLoss: event.valLoss, perClassIoU: event.perClassIoU, meanIoU: event.meanIoU }];
        return;
      case 'end':
        this.status = `Finished (${event.reason}) after ${event.epochs} epoch${event.epochs === 1 ? '' : 's'}${event.bestMeanIoU !== null ? `, best mean IoU ${event.bestMeanIoU.toFixed(3)}` : ''}`;
        this.job = null;
        void this.app.afterTraining();
        return;
    }
  }
}
