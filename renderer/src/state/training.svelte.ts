// A training run as the panel shows it: options, the job, and per-epoch loss and IoU from job events.
// Live mode keeps the prediction of the open image fresh while the user paints: after each epoch of a run it shows
// the model being trained, and when the user pauses painting it fine-tunes the editor's model on the new strokes.
import type { EncoderInfo, PretrainEvent } from '../../../src/api/service.ts';
import type { ArchitectureInfo, EpochMetrics, ModelInfo, PretrainObjective, ProjectInfo, TrainEvent } from '../../../src/api/types.ts';
import type { ApiClient } from '../api-client/index.ts';
import { JobState } from './job.svelte.ts';

/** Pre-training is offered when unlabeled images outnumber labeled ones this many times, and are at least this many. */
const PRETRAIN_RATIO = 2;
const PRETRAIN_MIN_UNLABELED = 4;

/** Live mode waits for the user to pause painting this long before it fine-tunes. */
export const LIVE_IDLE_MS = 3000;

export interface TrainingDependencies {
  api: Pick<ApiClient, 'catalogue' | 'startTraining' | 'startPretraining' | 'listEncoders' | 'listRuns' | 'cancelJob' | 'onJobEvent'>;
  error: (text: string) => void;
  /** The open project, or null. */
  project: () => ProjectInfo | null;
  /** Saves strokes not yet saved, so a run trains on everything painted. */
  flushLabels: () => Promise<void>;
  /** The model the editor uses: the one live mode fine-tunes. */
  editorModel: () => ModelInfo | null;
  /** A run ended: list its model and show the editor's model's view of the open image. */
  trained: () => Promise<void>;
  /** Shows this model's prediction of the open image; false when no image is open. */
  showPrediction: (modelId: number) => Promise<boolean>;
}

/** "1:05" for 65 seconds. */
function clock(seconds: number): string {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class TrainingState {
  /** The core's catalogue: what may be chosen (empty until it has arrived). */
  architectures = $state.raw<ArchitectureInfo[]>([]);
  architecture = $state('');
  /** One of the chosen architecture's presets; '' when it has none. */
  preset = $state('');
  /** U-Net's decoder up-sampling, one of the architecture's choices; '' when it offers none. */
  upsampling = $state('');
  epochs = $state(5);
  /** 2.5D for volumes: neighbour slices on each side given to the model as extra bands (0: plain 2D). */
  sliceContext = $state(0);
  /** U-Net's elastic deformation, displacement σ in pixels (0: off). */
  elasticSigma = $state(0);
  /** U-Net's separation weight map: the class whose objects it keeps apart (−1: off). */
  weightMapClass = $state(-1);
  live = $state(false);
  /** What live mode is doing, in words. */
  liveStatus = $state('');
  history = $state.raw<EpochMetrics[]>([]);
  stepLoss = $state.raw<number[]>([]);
  /** The running run's speed and time left, as the core measures them. */
  speed = $state('');
  /** The encoder the running (or last) training started from, if pre-trained. */
  initEncoderDir = $state<string | null>(null);
  pretrainSeconds = $state(30);
  pretrainObjective = $state<PretrainObjective>('denoising');
  pretrainStacked = $state(false);
  encoders = $state.raw<EncoderInfo[]>([]);

  readonly job: JobState<'train'>;
  readonly pretrainJob: JobState<'pretrain'>;

  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  /** Strokes were painted while a run was going: live mode fine-tunes on them when it ends. */
  private livePending = false;
  /**
   * Live mode's refreshes during a run: one at a time, and epochs that end meanwhile collapse into the newest. The
   * run's end waits for them, so what is shown last is the newest.
   */
  private liveRefresh: Promise<void> | null = null;
  private liveEpochWanted: number | null = null;
  /** The workspace's run id of the running training, from its 'start' event. */
  private runId: number | null = null;
  /** The running job's epoch count: what was asked for, then the core's own from its 'start' event. */
  private totalEpochs = 0;

  presets = $derived(this.architectures.find((a) => a.name === this.architecture)?.presets ?? []);
  upsamplingModes = $derived(this.architectures.find((a) => a.name === this.architecture)?.choices.upsampling ?? []);
  get running(): boolean {
    return this.job.running;
  }
  get pretraining(): boolean {
    return this.pretrainJob.running;
  }
  offerPretraining = $derived.by(() => {
    const project = this.deps.project();
    if (!project) return false;
    const unlabeled = project.imageCount - project.labeledCount;
    return unlabeled >= PRETRAIN_MIN_UNLABELED && unlabeled >= PRETRAIN_RATIO * project.labeledCount;
  });
  /** The recorded encoder the next fresh Train of the chosen architecture and preset starts from. */
  encoderForChoice = $derived(this.encoders.find((e) => e.architecture === this.architecture && e.preset === this.preset) ?? null);

  constructor(private readonly deps: TrainingDependencies) {
    const jobDeps = { api: deps.api, error: deps.error, openProject: () => deps.project()?.id ?? null };
    this.job = new JobState('Training', 'train', jobDeps, (event) => this.onTrainEvent(event));
    this.pretrainJob = new JobState('Pre-training', 'pretrain', jobDeps, (event) => this.onPretrainEvent(event));
  }

  /** Another project was opened: the last one's status and charts are not this one's, so they go. */
  projectChanged(): void {
    this.history = [];
    this.stepLoss = [];
    this.speed = '';
    this.initEncoderDir = null;
    clearTimeout(this.liveTimer);
    this.livePending = false;
    this.liveStatus = this.live ? this.liveIdleText() : '';
    this.job.projectChanged();
    this.pretrainJob.projectChanged();
  }

  /** Asks the core what may be chosen, and starts at its first architecture. */
  async loadCatalogue(): Promise<void> {
    this.architectures = (await this.deps.api.catalogue()).architectures;
    if (!this.architectures.some((a) => a.name === this.architecture) && this.architectures.length > 0) this.chooseArchitecture(this.architectures[0].name);
  }

  /** Presets belong to one architecture: a new architecture starts at its own default preset. */
  chooseArchitecture(name: string): void {
    this.architecture = name;
    const info = this.architectures.find((a) => a.name === name);
    this.preset = info?.defaultPreset ?? '';
    this.upsampling = info?.choices.upsampling?.[0] ?? '';
  }

  async train(baseModelId?: number, epochs = this.epochs): Promise<void> {
    const projectId = this.deps.project()?.id;
    if (projectId === undefined || this.job.running) return;
    try {
      await this.deps.flushLabels();
    } catch (e) {
      return this.deps.error(e instanceof Error ? e.message : String(e));
    }
    this.history = [];
    this.stepLoss = [];
    this.speed = '';
    this.runId = null;
    this.totalEpochs = epochs;
    const recipe = { ...(this.elasticSigma > 0 ? { elasticSigma: this.elasticSigma } : {}), ...(this.weightMapClass >= 0 ? { weightMap: { foregroundClass: this.weightMapClass } } : {}) };
    const modelConfig = this.upsampling ? { modelConfig: { upsampling: this.upsampling } } : {};
    const fresh = { architecture: this.architecture, ...(this.preset ? { preset: this.preset } : {}), ...modelConfig, epochs, sliceContext: this.sliceContext, ...recipe };
    const options = baseModelId === undefined ? fresh : { baseModelId, epochs };
    await this.job.start(async () => {
      const { job, initEncoderDir } = await this.deps.api.startTraining(projectId, options);
      this.initEncoderDir = initEncoderDir ?? null;
      return job;
    }, projectId);
  }

  async refreshEncoders(): Promise<void> {
    const projectId = this.deps.project()?.id;
    this.encoders = projectId === undefined ? [] : await this.deps.api.listEncoders(projectId);
  }

  /** Autoencoder pre-training of the chosen architecture's encoder on every image of the project. */
  async pretrain(): Promise<void> {
    const projectId = this.deps.project()?.id;
    if (projectId === undefined) return;
    const options = { architecture: this.architecture, preset: this.preset, timeBudgetSeconds: this.pretrainSeconds, objective: this.pretrainObjective, stacked: this.pretrainStacked };
    await this.pretrainJob.start(async () => (await this.deps.api.startPretraining(projectId, options)).job, projectId);
  }

  private onPretrainEvent(event: PretrainEvent): void {
    if (event.type === 'step') {
      this.pretrainJob.status = `Pre-training: step ${event.step}, ${this.pretrainObjective} loss ${event.loss.toFixed(4)}, ${Math.round(event.seconds)} s`;
      this.pretrainJob.progress = { done: Math.min(event.seconds, this.pretrainSeconds), total: this.pretrainSeconds };
      return;
    }
    this.pretrainJob.status = `Pre-trained (${event.endReason}): ${event.steps} steps, ${this.pretrainObjective} loss ${event.firstLoss.toFixed(3)} → ${event.lastLoss.toFixed(3)}`;
    this.refreshEncoders().catch((e) => this.deps.error(String(e)));
  }

  /** Live mode on or off; on, it says what it will do. */
  setLive(on: boolean): void {
    this.live = on;
    clearTimeout(this.liveTimer);
    this.livePending = false;
    this.liveStatus = on ? (this.job.running ? 'Live: the prediction follows this run, epoch by epoch' : this.liveIdleText()) : '';
  }

  private liveIdleText(): string {
    const model = this.deps.editorModel();
    return model ? `Live: paint, then pause: ${model.name} is fine-tuned on your strokes and the prediction refreshes` : 'Live: the prediction follows the next run, epoch by epoch';
  }

  /** Called after each autosave: in live mode, fine-tune once the user pauses (after the run, if one is going). */
  labelsChanged(): void {
    if (!this.live) return;
    clearTimeout(this.liveTimer);
    if (this.job.running) {
      this.livePending = true;
      this.liveStatus = 'Live: your new strokes go into a fine-tune when this run ends';
      return;
    }
    const model = this.deps.editorModel();
    if (!model) {
      this.liveStatus = 'Live: train a model first (press Train); the prediction will follow it';
      return;
    }
    this.liveStatus = `Live: waiting for you to pause (${LIVE_IDLE_MS / 1000} s), then fine-tuning ${model.name}`;
    this.liveTimer = setTimeout(() => void this.liveFineTune(), LIVE_IDLE_MS);
  }

  private async liveFineTune(): Promise<void> {
    const model = this.deps.editorModel();
    if (!this.live || !model) return;
    if (this.job.running) {
      this.livePending = true;
      return;
    }
    this.liveStatus = `Live: fine-tuning ${model.name} on your strokes…`;
    await this.train(model.id, 1);
  }

  private async refreshLive(): Promise<void> {
    try {
      while (this.liveEpochWanted !== null) {
        const epoch = this.liveEpochWanted;
        this.liveEpochWanted = null;
        await this.liveEpoch(epoch);
      }
    } catch (e) {
      this.deps.error(e instanceof Error ? e.message : String(e));
    } finally {
      this.liveRefresh = null;
    }
  }

  /** Live mode during a run: the open image's prediction by the model being trained, after a saved epoch. */
  private async liveEpoch(epoch: number): Promise<void> {
    const projectId = this.deps.project()?.id;
    if (!this.live || projectId === undefined || this.runId === null) return;
    const runId = this.runId;
    const run = (await this.deps.api.listRuns(projectId)).find((r) => r.id === runId);
    if (!this.live || run?.modelId == null) return;
    const shown = await this.deps.showPrediction(run.modelId);
    this.liveStatus = shown ? `Live: prediction refreshed after epoch ${epoch}` : 'Live: open an image to see its prediction follow the run';
  }

  private async afterRun(): Promise<void> {
    await this.liveRefresh;
    await this.deps.trained();
    if (!this.live) return;
    if (this.livePending) {
      this.livePending = false;
      return this.liveFineTune();
    }
    this.liveStatus = `Live: prediction refreshed at ${new Date().toLocaleTimeString()}; paint and pause to fine-tune again`;
  }

  private onTrainEvent(event: TrainEvent): void {
    switch (event.type) {
      case 'start':
        this.totalEpochs = event.totalEpochs;
        this.runId = event.runId ?? null;
        this.job.status = `Training on ${event.trainImages} image${event.trainImages === 1 ? '' : 's'} (${event.backend}, ${event.parameters.toLocaleString()} parameters)`;
        return;
      case 'step':
        this.stepLoss = [...this.stepLoss, event.loss];
        // The core counts epochs and steps from 1: shown as they come.
        this.job.status = `Epoch ${event.epoch}/${this.totalEpochs}, step ${event.step}/${event.stepsPerEpoch}, loss ${event.loss.toFixed(4)}`;
        this.job.progress = { done: (event.epoch - 1) * event.stepsPerEpoch + event.step, total: this.totalEpochs * event.stepsPerEpoch };
        this.speed = `${event.imagesPerSecond.toFixed(1)} images/s${event.etaSeconds !== null ? ` · ${clock(event.etaSeconds)} left` : ''}`;
        return;
      case 'epoch':
        this.history = [...this.history, { epoch: event.epoch, loss: event.loss, valLoss: event.valLoss, perClassIoU: event.perClassIoU, meanIoU: event.meanIoU }];
        this.liveEpochWanted = event.epoch;
        this.liveRefresh ??= this.refreshLive();
        return;
      case 'end':
        this.job.status = `Finished (${event.reason}) after ${event.epochs} epoch${event.epochs === 1 ? '' : 's'}${event.bestMeanIoU !== null ? `, best mean IoU ${event.bestMeanIoU.toFixed(3)}` : ''}`;
        this.speed = '';
        void this.afterRun();
        return;
    }
  }
}
