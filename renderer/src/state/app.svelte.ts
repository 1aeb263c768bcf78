// What the whole workbench shows: projects, the image list with its filter, the open image, models, jobs and
// messages. Side effects go through the injected API client.
import type { LabelExportFormat } from '../../../src/api/service.ts';
import { InputError } from '../../../src/api/errors.ts';
import type { Catalogue, ClassDef, DoctorReport, ImageInfo, ImageQuery, LabelStatus, ModelChoice, ModelInfo, ProjectInfo, RunInfo } from '../../../src/api/types.ts';
import { base64ToBytes, bytesToBase64 } from '../../../src/labels/index.ts';
import type { ApiClient } from '../api-client/index.ts';
import { BatchState } from './batch.svelte.ts';
import { EditorState } from './editor.svelte.ts';
import { FeaturesState } from './features.svelte.ts';
import { TrainingState } from './training.svelte.ts';

export type Panel = 'browser' | 'editor' | 'metrics' | 'batch';

export class AppState {
  projects = $state<ProjectInfo[]>([]);
  projectId = $state<number | null>(null);
  images = $state.raw<ImageInfo[]>([]);
  imageTotal = $state(0);
  statusFilter = $state<LabelStatus | 'all'>('all');
  nameFilter = $state('');
  sort = $state<NonNullable<ImageQuery['sort']>>('name');
  descending = $state(false);
  imageId = $state<number | null>(null);
  panel = $state<Panel>('browser');
  models = $state.raw<ModelInfo[]>([]);
  /** Which model the editor uses, and why: the core's rule (the user's pick, else the best by validation). */
  modelChoice = $state.raw<ModelChoice | null>(null);
  runs = $state.raw<RunInfo[]>([]);
  doctor = $state.raw<DoctorReport | null>(null);
  /** What the core offers (image file endings, class colours, architectures); null until it has arrived. */
  catalogue = $state.raw<Catalogue | null>(null);
  connected = $state(true);
  /** The latest message for the user: an error or the outcome of an action. */
  message = $state<{ text: string; kind: 'error' | 'info' } | null>(null);

  predicting = $state(false);
  /** The name of the model whose prediction the editor shows. */
  predictionBy = $state<string | null>(null);

  project = $derived(this.projects.find((p) => p.id === this.projectId) ?? null);
  image = $derived(this.images.find((i) => i.id === this.imageId) ?? null);
  /** The model Predict, CAM and live mode use. */
  editorModel = $derived(this.models.find((m) => m.id === this.modelChoice?.modelId) ?? null);

  readonly editor: EditorState;
  readonly training: TrainingState;
  readonly batch: BatchState;
  /** The features view: filters and feature maps of the editor model. */
  readonly features: FeaturesState;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly api: ApiClient) {
    const error = (text: string) => this.error(text);
    this.editor = new EditorState(api, () => this.labelsSaved(), error);
    this.training = new TrainingState({
      api,
      error,
      project: () => this.project,
      flushLabels: () => this.editor.flush(),
      editorModel: () => this.editorModel,
      trained: () => this.afterTraining(),
      showPrediction: async (modelId) => {
        if (this.editor.imageId === null || this.editor.view.axis !== 2) return false;
        await this.attempt(() => this.showPrediction(modelId));
        return true;
      },
    });
    this.batch = new BatchState(api, error);
    this.features = new FeaturesState(api);
    api.onConnection((connected) => {
      this.connected = connected;
      // Back online: catch up on whatever changed meanwhile.
      if (connected) void this.refreshAll();
    });
  }

  async start(): Promise<void> {
    await this.attempt(async () => {
      await Promise.all([this.refreshProjects(), this.training.loadCatalogue(), this.api.catalogue().then((c) => (this.catalogue = c))]);
      if (this.projectId === null && this.projects.length > 0) await this.selectProject(this.projects[0].id);
    });
    void this.api.doctor().then((d) => (this.doctor = d)).catch(() => {});
  }

  async refreshAll(): Promise<void> {
    await this.attempt(async () => {
      await this.refreshProjects();
      await this.refreshImages();
    });
  }

  async refreshProjects(): Promise<void> {
    this.projects = await this.api.listProjects();
  }

  async selectProject(id: number): Promise<void> {
    // The open image, its overlays and the training charts belong to the last project: they go before the new
    // project's classes and models arrive, so nothing of one is shown or painted under the other's.
    await this.editor.close();
    this.projectId = id;
    this.imageId = null;
    this.models = [];
    this.modelChoice = null;
    this.runs = [];
    this.training.projectChanged();
    this.features.clear();
    await Promise.all([this.refreshImages(), this.refreshModels(), this.training.refreshEncoders()]);
  }

  async refreshImages(): Promise<void> {
    if (this.projectId === null) return;
    const query: ImageQuery = { projectId: this.projectId, sort: this.sort, descending: this.descending, limit: 500 };
    if (this.statusFilter !== 'all') query.status = this.statusFilter;
    if (this.nameFilter.trim()) query.nameContains = this.nameFilter.trim();
    const page = await this.api.listImages(query);
    this.images = page.images;
    this.imageTotal = page.total;
  }

  async refreshModels(): Promise<void> {
    if (this.projectId === null) return;
    const [choice, runs] = await Promise.all([this.api.modelChoice(this.projectId), this.api.listRuns(this.projectId)]);
    this.models = choice.models;
    this.modelChoice = choice;
    this.runs = runs;
  }

  /** The user picks the editor's model; no id goes back to the best by validation. */
  async chooseModel(modelId: number | undefined): Promise<void> {
    if (this.projectId === null) return;
    await this.attempt(async () => {
      this.modelChoice = await this.api.chooseModel(this.projectId!, modelId);
      this.models = this.modelChoice.models;
      if (this.editor.imageId !== null && this.editor.view.axis === 2 && this.editorModel) await this.showPrediction(this.editorModel.id);
    });
  }

  async createProject(name: string, classNames: string[]): Promise<void> {
    await this.attempt(async () => {
      if (!name.trim()) throw new Error('Give the project a name');
      if (classNames.length < 2) throw new Error('A project needs at least two classes (e.g. "background, cell")');
      const project = await this.api.createProject(name.trim(), classNames.map((n, i) => ({ name: n, color: this.classColor(i) })));
      await this.refreshProjects();
      await this.selectProject(project.id);
      this.info(`Created project "${project.name}"`);
    });
  }

  async updateClasses(classes: ClassDef[]): Promise<void> {
    if (this.projectId === null) return;
    await this.attempt(async () => {
      const updated = await this.api.updateClasses(this.projectId!, classes);
      this.projects = this.projects.map((p) => (p.id === updated.id ? updated : p));
    });
  }

  /** Adds a folder's images; with a label folder, its masks (class indices, or colours in the class colours) too. */
  async addFolder(folder: string, labelsFolder = ''): Promise<void> {
    if (this.projectId === null) return;
    await this.attempt(async () => {
      const { added, labeled, failed } = await this.api.addImages(this.projectId!, [folder.trim()], labelsFolder.trim() || undefined);
      await Promise.all([this.refreshImages(), this.refreshProjects()]);
      const failures = failed.map((f) => `${f.path}: ${f.reason}`).join('; ');
      const withLabels = labelsFolder.trim() ? `, ${labeled} with labels` : '';
      this.message = { text: `Added ${added.length} image${added.length === 1 ? '' : 's'}${withLabels}${failed.length ? `; ${failed.length} failed: ${failures}` : ''}`, kind: failed.length ? 'error' : 'info' };
    });
  }

  /** The core's colour for a new class at `index`. */
  classColor(index: number): string {
    const palette = this.catalogue?.palette ?? [];
    return palette.length > 0 ? palette[index % palette.length] : '#808080';
  }

  /**
   * Drag and drop: each file is uploaded on its own, so a bad one stops nothing after it; the core decides by the
   * file's content what is an image. The list shows each image as it lands, and every refusal is named with its reason.
   */
  async upload(files: File[]): Promise<void> {
    const projectId = this.projectId;
    if (projectId === null) return;
    const failures: string[] = [];
    let added = 0;
    for (const file of files) {
      try {
        const bytes = new Uint8Array(await file.arrayBuffer());
        await this.api.uploadImage(projectId, file.name, bytesToBase64(bytes));
        added++;
        if (this.projectId === projectId) await this.refreshImages();
      } catch (e) {
        // The core's InputError names the file already; its problem alone reads better after our own name.
        failures.push(`${file.name}: ${e instanceof InputError ? e.problem : e instanceof Error ? e.message : String(e)}`);
      }
    }
    await this.attempt(() => this.refreshProjects());
    const summary = `Added ${added} image${added === 1 ? '' : 's'}`;
    this.message = failures.length > 0 ? { text: `${summary}; ${failures.length} not added: ${failures.join('; ')}`, kind: 'error' } : { text: summary, kind: 'info' };
  }

  /** Opens an image in the editor; a volume opens at its middle slice. */
  openImage(id: number): void {
    this.imageId = id;
    this.panel = 'editor';
    const image = this.images.find((i) => i.id === id);
    const volume = image && image.slices > 1 ? { width: image.width, height: image.height, slices: image.slices } : null;
    void this.attempt(() => this.editor.load(id, Math.floor((volume?.slices ?? 1) / 2), volume));
  }

  /** Saves the open image's labels as a file: PNG, a NIfTI label map or a DICOM SEG (volumes). */
  async exportLabels(format: LabelExportFormat): Promise<void> {
    const imageId = this.editor.imageId;
    if (imageId === null) return this.error('Open an image to export its labels');
    await this.attempt(async () => {
      await this.editor.flush();
      const file = await this.api.exportLabels(imageId, format);
      const url = URL.createObjectURL(new Blob([base64ToBytes(file.data) as Uint8Array<ArrayBuffer>], { type: file.mime }));
      const link = Object.assign(document.createElement('a'), { href: url, download: file.fileName });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.info(`Exported ${file.fileName}`);
    });
  }

  /** The core's next image to label (the most uncertain unlabeled one), other than the open one. */
  async nextImage(): Promise<void> {
    if (this.projectId === null) return;
    await this.attempt(async () => {
      const pick = await this.api.nextImage(this.projectId!, this.imageId ?? undefined);
      if (!pick) return this.info('Every image has labels');
      if (!this.images.some((i) => i.id === pick.id)) this.images = [...this.images, pick];
      this.openImage(pick.id);
    });
  }

  async predict(): Promise<void> {
    const model = this.editorModel;
    if (!model) return this.error('Train a model first: this project has none');
    if (this.editor.imageId === null) return this.error('Open an image to predict');
    if (this.editor.view.axis !== 2) return this.error('Predict works on the volume’s own slices: switch the view back to Axial');
    this.predicting = true;
    await this.attempt(() => this.showPrediction(model.id));
    this.predicting = false;
  }

  /** The open slice's prediction by this model (one of the project's, perhaps one a running job just recorded). */
  private async showPrediction(modelId: number): Promise<void> {
    if (!this.models.some((m) => m.id === modelId)) await this.refreshModels();
    await this.editor.overlays.predict(modelId);
    this.predictionBy = this.models.find((m) => m.id === modelId)?.name ?? `model ${modelId}`;
  }

  /** Fills the features view's layer choice with the editor model's stages. */
  async loadFeatureStages(): Promise<void> {
    const model = this.editorModel;
    if (model) await this.attempt(() => this.features.loadStages(model.id));
  }

  /** The features view: the editor model's filters, or a stage's feature maps for the open slice. */
  async showFeatures(): Promise<void> {
    const model = this.editorModel;
    if (!model) return this.error('Train a model first: this project has none');
    if (this.editor.imageId === null) return this.error('Open an image to see its features');
    if (this.editor.view.axis !== 2) return this.error('Features work on the volume’s own slices: switch the view back to Axial');
    const imageId = this.editor.imageId;
    const slice = this.editor.view.slice;
    await this.attempt(async () => {
      // The editor model may have changed since the stages were listed; another architecture has other stages.
      await this.features.loadStages(model.id);
      await this.features.show(model.id, imageId, slice);
    });
  }

  /** The CAM overlay of the open image by the editor's model. */
  async computeCam(): Promise<void> {
    const model = this.editorModel;
    if (!model) return this.error('Train a model first: this project has none');
    if (this.editor.view.axis !== 2) return this.error('CAM works on the volume’s own slices: switch the view back to Axial');
    await this.attempt(() => this.editor.overlays.computeCam(model.id));
  }

  /** A run ended: list its model and runs, and show the new model's view of the open image. */
  async afterTraining(): Promise<void> {
    await this.attempt(() => this.refreshModels());
    if (this.editor.imageId !== null && this.editorModel) {
      await this.predict();
      if (this.editor.overlays.kind === 'cam') await this.computeCam();
    }
    await this.attempt(() => this.refreshImages());
  }

  /** After an autosave: status badges change, and live mode may fine-tune. */
  private labelsSaved(): void {
    this.training.labelsChanged();
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.attempt(() => Promise.all([this.refreshImages(), this.refreshProjects()])), 1000);
  }

  info(text: string): void {
    this.message = { text, kind: 'info' };
  }

  error(text: string): void {
    this.message = { text, kind: 'error' };
  }

  /** Runs an action and shows its failure as a message instead of throwing into the UI. */
  async attempt(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (e) {
      this.error(e instanceof Error ? e.message : String(e));
    }
  }
}
