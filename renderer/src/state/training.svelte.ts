// A training run as the panel shows it: options, the job, and per-epoch loss and IoU from job events.
// Live mode fine-tunes the newest model in the background after the user paints, then refreshes the prediction.
import type { EncoderInfo, JobEvent, PretrainEvent } from '../../../src/api/service.ts';
import type { ArchitectureInfo, EpochMetrics, TrainEvent } from '../../../src/api/types.ts';
import type { AppState } from './app.svelte.ts';

/** Pre-training is offered when unlabeled images outnumber labeled ones this many times, and are at least this many. */
const PRETRAIN_RATIO = 2;
const PRETRAIN_MIN_UNLABELED = 4;

/** Live mode waits for the user to pause painting this long before it fine-tunes. */
const LIVE_IDLE_MS = 3000;

export class TrainingState {
  /** The core's catalogue: what may be chosen (empty until it has arrived). */
  architectures = $state.raw<ArchitectureInfo[]>([]);
  architecture = $state('');
  /** One of the chosen architecture's presets; '' when it has none. */
  preset = $state('');
  epochs = $state(5);
  /** 2.5D for volumes: neighbour slices on each side given to the model as extra bands (0: plain 2D). */
  sliceContext = $state(0);
  live = $state(false);
  job = $state<number | null>(null);
  status = $state('');
  history = $state.raw<EpochMetrics[]>([]);
  stepLoss = $state.raw<number[]>([]);
  /** The encoder the running (or last) training started from, if pre-trained. */
  initEncoderDir = $state<string | null>(null);
  pretrainSeconds = $state(30);
  pretrainJob = $state<number | null>(null);
  pretrainStatus = $state('');
  encoders = $state.raw<EncoderInfo[]>([]);
  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  /** The projects the running jobs train on: the panel shows a job's progress only while its project is open. */
  private jobProject: number | null = null;
  private pretrainProject: number | null = null;
  /** The running job's epoch count: what was asked for, then the core's own from its 'start' event. */
  private totalEpochs = 0;

  presets = $derived(this.architectures.find((a) => a.name === this.architecture)?.presets ?? []);
  running = $derived(this.job !== null);
  pretraining = $derived(this.pretrainJob !== null);
  offerPretraining = $derived.by(() => {
    const project = this.app.project;
    if (!project) return false;
    const unlabeled = project.imageCount - project.labeledCount;
    return unlabeled >= PRETRAIN_MIN_UNLABELED && unlabeled >= PRETRAIN_RATIO * project.labeledCount;
  });
  /** The recorded encoder the next fresh Train of the chosen architecture and preset starts from. */
  encoderForChoice = $derived(this.encoders.find((e) => e.architecture === this.architecture && e.preset === this.preset) ?? null);

  constructor(private readonly app: AppState) {
    app.onJobEvent((event) => {
      if (this.pretrainJob !== null && event.job === this.pretrainJob) {
        if (this.pretrainProject !== this.app.projectId) return this.endOutOfSight(event, 'Pre-training');
        if (event.kind === 'pretrain') this.onPretrainEvent(event.event);
        else if (event.kind === 'error') this.pretrainFailed(event.message);
        return;
      }
      if (event.job !== this.job) return;
      if (this.jobProject !== this.app.projectId) return this.endOutOfSight(event, 'Training');
      if (event.kind === 'train') this.onTrainEvent(event.event);
      else if (event.kind === 'error') {
        this.status = `Training failed: ${event.message}`;
        this.app.error(this.status);
        this.job = null;
      }
    });
  }

  /**
   * Another project was opened: the last one's status and charts are not this one's, so they go. A job still
   * running for the last project goes on out of sight (Stop still stops it).
   */
  projectChanged(): void {
    this.history = [];
    this.stepLoss = [];
    this.initEncoderDir = null;
    this.status = this.job !== null ? 'Training of another project continues in the background' : '';
    this.pretrainStatus = this.pretrainJob !== null ? 'Pre-training of another project continues in the background' : '';
  }

  /** A job of a project that is not open: only its end matters here, so the next one may start. */
  private endOutOfSight(event: JobEvent, what: string): void {
    const ended = event.kind === 'error' || (event.kind === 'train' && event.event.type === 'end') || (event.kind === 'pretrain' && event.event.type === 'end');
    if (!ended) return;
    if (event.kind === 'error') this.app.error(`${what} of another project failed: ${event.message}`);
    if (event.job === this.job) {
      this.job = null;
      this.status = '';
    } else {
      this.pretrainJob = null;
      this.pretrainStatus = '';
    }
  }

  /** Asks the core what may be chosen, and starts at its first architecture. */
  async loadCatalogue(): Promise<void> {
    this.architectures = (await this.app.api.catalogue()).architectures;
    if (!this.architectures.some((a) => a.name === this.architecture) && this.architectures.length > 0) this.chooseArchitecture(this.architectures[0].name);
  }

  /** Presets belong to one architecture: a new architecture starts at its own default preset. */
  chooseArchitecture(name: string): void {
    this.architecture = name;
    this.preset = this.architectures.find((a) => a.name === name)?.defaultPreset ?? '';
  }

  async train(baseModelId?: number, epochs = this.epochs): Promise<void> {
    const projectId = this.app.projectId;
    if (projectId === null || this.job !== null) return;
    await this.app.attempt(async () => {
      await this.app.editor.flush();
      this.history = [];
      this.stepLoss = [];
      this.status = 'Starting…';
      this.totalEpochs = epochs;
      const fresh = { architecture: this.architecture, ...(this.preset ? { preset: this.preset } : {}), epochs, sliceContext: this.sliceContext };
      const options = baseModelId === undefined ? fresh : { baseModelId, epochs };
      const { job, initEncoderDir } = await this.app.api.startTraining(projectId, options);
      this.job = job;
      this.jobProject = projectId;
      this.initEncoderDir = initEncoderDir ?? null;
    });
    if (this.job === null) this.status = '';
  }

  async refreshEncoders(): Promise<void> {
    const projectId = this.app.projectId;
    this.encoders = projectId === null ? [] : await this.app.api.listEncoders(projectId);
  }

  /** Autoencoder pre-training of the chosen architecture's encoder on every image of the project. */
  async pretrain(): Promise<void> {
    const projectId = this.app.projectId;
    if (projectId === null || this.pretrainJob !== null) return;
    await this.app.attempt(async () => {
      this.pretrainStatus = 'Starting pre-training…';
      const { job } = await this.app.api.startPretraining(projectId, { architecture: this.architecture, preset: this.preset, timeBudgetSeconds: this.pretrainSeconds });
      this.pretrainJob = job;
      this.pretrainProject = projectId;
    });
    if (this.pretrainJob === null) this.pretrainStatus = '';
  }

  async stopPretraining(): Promise<void> {
    if (this.pretrainJob === null) return;
    await this.app.attempt(() => this.app.api.cancelJob(this.pretrainJob!));
  }

  private pretrainFailed(message: string): void {
    this.pretrainStatus = `Pre-training failed: ${message}`;
    this.app.error(this.pretrainStatus);
    this.pretrainJob = null;
  }

  private onPretrainEvent(event: PretrainEvent): void {
    if (event.type === 'step') {
      this.pretrainStatus = `Pre-training: step ${event.step}, reconstruction loss ${event.loss.toFixed(4)}, ${Math.round(event.seconds)} s`;
      return;
    }
    this.pretrainStatus = `Pre-trained (${event.endReason}): ${event.steps} steps, reconstruction loss ${event.firstLoss.toFixed(3)} → ${event.lastLoss.toFixed(3)}`;
    this.pretrainJob = null;
    void this.app.attempt(() => this.refreshEncoders());
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
        this.totalEpochs = event.totalEpochs;
        this.status = `Training on ${event.trainImages} image${event.trainImages === 1 ? '' : 's'} (${event.backend}, ${event.parameters.toLocaleString()} parameters)`;
        return;
      case 'step':
        this.stepLoss = [...this.stepLoss, event.loss];
        // The core counts epochs and steps from 1: shown as they come.
        this.status = `Epoch ${event.epoch}/${this.totalEpochs}, step ${event.step}/${event.stepsPerEpoch}, loss ${event.loss.toFixed(4)}`;
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
