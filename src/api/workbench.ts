// The workbench service: the SegworkService behind the UI, composed from the store, the importer and compute
// workers. The main thread does only SQLite and bookkeeping; tfjs runs in worker threads (one for interactive
// predictions, CAM and evaluation, one per training or batch job) so a request never waits on a training step.
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import os from 'node:os';
import * as path from 'node:path';
import { doctor } from '../compute/backends.ts';
import { openRaster } from '../io/index.ts';
import { resliced } from '../io/reslice.ts';
import { InputError } from '../io/raster.ts';
import { ComputeWorker } from '../jobs/compute-worker.ts';
import type { JobImage } from '../jobs/protocol.ts';
import { getArchitecture } from '../models/index.ts';
import type { Workspace } from '../store/workspace.ts';
import { openWorkspace } from '../store/workspace.ts';
import { DEFAULT_TRAIN_OPTIONS } from '../training/loop.ts';
import { catalogue, checkedModelChoice } from './catalogue.ts';
import { renderDisplayImage, type DisplayImage } from './display.ts';
import { NotFoundError, UserError } from './errors.ts';
import { exportImageLabels, exportPath } from './label-export.ts';
import { LruCache } from './lru-cache.ts';
import { maskAlong } from './volume-masks.ts';
import { expandPaths, importImages } from './importing.ts';
import { seedSampleProject } from './sample.ts';
import { labelExportFormats } from '../use-cases/export-formats.ts';
import { nextImageToLabel } from '../use-cases/next-image.ts';
import { saveMaskPatches } from '../use-cases/mask-saving.ts';
import { LABEL_EXPORT_FORMATS, type EncoderInfo, type JobEvent, type MaskPatch, type MaskPayload, type SegworkService } from './service.ts';
import { UNLABELED, type BatchSummary, type TrainOptions } from './types.ts';

export interface WorkbenchOptions {
  workspaceDir: string;
  /** Create the bundled sample project when the workspace has no project yet. */
  seedSample?: boolean;
  /** Force a compute backend (as --backend). */
  backend?: string;
}

export type Workbench = SegworkService & { close(): Promise<void>; readonly workspace: Workspace };

const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

export async function createWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const ws = openWorkspace(options.workspaceDir);
  if (options.seedSample && ws.projects.list().length === 0) await seedSampleProject(ws);

  const listeners = new Set<(event: JobEvent) => void>();
  const publish = (event: JobEvent) => listeners.forEach((l) => l(event));
  let interactive: ComputeWorker | null = null;
  const interactiveWorker = () => (interactive ??= new ComputeWorker(options.backend));
  const jobs = new Map<number, { worker: ComputeWorker; workerJobId: number }>();
  const batchSummaries = new Map<number, BatchSummary>();
  // Rendered display images (thumbnails, windows): opening an image twice, or scrolling the browser, costs once.
  const displayCache = new LruCache<string, DisplayImage>(64 * 1024 * 1024, (d) => d.bytes.byteLength);
  let nextJob = 1;

  /** The project's labeled images (each labeled slice of a volume) with their current masks, as a worker receives them. */
  const labeledImages = (projectId: number): JobImage[] => {
    const out: JobImage[] = [];
    for (const status of ['partial', 'labeled'] as const) {
      for (const image of ws.images.query({ projectId, status }).images) {
        for (const slice of ws.masks.labeledSlices(image.id)) {
          const mask = ws.masks.current(image.id, slice)!;
          const name = image.slices > 1 ? `${image.name} [slice ${slice}]` : image.name;
          out.push({ name, imagePath: image.path, slice, width: mask.width, height: mask.height, mask: mask.data });
        }
      }
    }
    return out;
  };

  // Pre-trained encoders live at encoders/<project>/<architecture>__<preset>__<time>; a directory counts once its
  // segwork.json exists (the model directory is written last, by rename), and the newest per pair is used.
  const encodersDir = (projectId: number) => path.join(ws.dir, 'encoders', String(projectId));
  const recordedEncoders = async (projectId: number): Promise<EncoderInfo[]> => {
    const names = await fs.readdir(encodersDir(projectId)).catch(() => [] as string[]);
    const newest = new Map<string, { info: EncoderInfo; time: number }>();
    for (const name of names) {
      const [architecture, preset, time] = name.split('__');
      const directory = path.join(encodersDir(projectId), name);
      if (!architecture || !preset || !time || !existsSync(path.join(directory, 'segwork.json'))) continue;
      const key = `${architecture}__${preset}`;
      if ((newest.get(key)?.time ?? -1) < Number(time)) newest.set(key, { info: { architecture, preset, directory }, time: Number(time) });
    }
    return [...newest.values()].map((e) => e.info);
  };

  const requireImage = (imageId: number) => {
    const image = ws.images.get(imageId);
    if (!image) throw new NotFoundError(`image ${imageId}`);
    return image;
  };
  const requireModel = (modelId: number) => {
    const model = ws.models.get(modelId);
    if (!model) throw new NotFoundError(`model ${modelId}`);
    return model;
  };

  /** Runs a long job in its own worker, forwarding its events; the worker ends with the job. */
  const runJob = (
    launch: (worker: ComputeWorker, job: number) => { id: number; result: Promise<unknown> },
    onDone: (value: unknown, job: number) => void,
    onFail: (error: Error) => void,
  ): number => {
    const job = nextJob++;
    const worker = new ComputeWorker(options.backend);
    const { id, result } = launch(worker, job);
    jobs.set(job, { worker, workerJobId: id });
    result
      .then((value) => onDone(value, job), (e: Error) => {
        onFail(e);
        publish({ job, kind: 'error', message: e.message });
      })
      .finally(() => {
        jobs.delete(job);
        void worker.terminate();
      });
    return job;
  };

  const service: Workbench = {
    workspace: ws,

    doctor: () => doctor(),

    async catalogue() {
      return catalogue();
    },

    async listProjects() {
      return ws.projects.list();
    },

    async createProject(name, classes) {
      return ws.projects.create(name, classes);
    },

    async updateClasses(projectId, classes) {
      return ws.projects.setClasses(projectId, classes);
    },

    async addImages(projectId, paths) {
      const files = await expandPaths(paths);
      if (files.length === 0) throw new InputError(paths.join(', '), 'no images found');
      const result = await importImages(ws, projectId, files);
      return { added: result.added, failed: result.failed };
    },

    async uploadImage(projectId, fileName, base64) {
      ws.projects.require(projectId);
      const safeName = path.basename(fileName).replace(/[^\w.\- ]+/g, '_') || 'image';
      const dir = path.join(ws.dir, 'uploads', String(projectId));
      await fs.mkdir(dir, { recursive: true });
      let target = path.join(dir, safeName);
      for (let n = 1; existsSync(target); n++) target = path.join(dir, `${n}-${safeName}`);
      await fs.writeFile(target, Buffer.from(base64, 'base64'));
      const result = await importImages(ws, projectId, [target]);
      if (result.failed.length > 0 || result.added.length === 0) {
        await fs.rm(target, { force: true });
        throw new InputError(fileName, result.failed[0]?.reason ?? 'not a supported image');
      }
      return result.added[0]!;
    },

    async listImages(query) {
      return ws.images.query(query);
    },

    async nextImage(projectId, exceptImageId) {
      return nextImageToLabel(ws, projectId, exceptImageId ?? null);
    },

    async displayImage(imageId, displayOptions = {}) {
      const image = requireImage(imageId);
      const key = `${imageId}:${image.contentHash}:${JSON.stringify(displayOptions)}`;
      let rendered = displayCache.get(key);
      if (!rendered) {
        const raster = resliced(await openRaster(image.path), displayOptions.axis ?? 2);
        try {
          rendered = await renderDisplayImage(raster, displayOptions);
        } finally {
          await raster.close();
        }
        displayCache.set(key, rendered);
      }
      return { mime: rendered.mime, data: rendered.bytes.toString('base64'), width: rendered.width, height: rendered.height };
    },

    async getMask(imageId, slice = 0, axis = 2): Promise<MaskPayload> {
      const image = requireImage(imageId);
      const mask = maskAlong(ws, image, axis, slice);
      return { width: mask.width, height: mask.height, data: b64(mask.data), revision: mask.revision };
    },

    async saveMaskPatches(imageId, baseRevision, patches: MaskPatch[], slice = 0, axis = 2) {
      return saveMaskPatches(ws, requireImage(imageId), baseRevision, patches.map((p) => ({ ...p, data: fromB64(p.data) })), axis, slice);
    },

    async labeledSlices(imageId) {
      requireImage(imageId);
      return ws.masks.labeledSlices(imageId);
    },

    async exportLabels(imageId, format) {
      const image = requireImage(imageId);
      if (!LABEL_EXPORT_FORMATS.includes(format)) throw new UserError(`unknown label format "${format}" (${LABEL_EXPORT_FORMATS.join(', ')})`);
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'segwork-export-'));
      try {
        const file = exportPath(dir, image, format);
        await exportImageLabels(ws, image, format, file);
        const mime = { png: 'image/png', geotiff: 'image/tiff', geojson: 'application/geo+json', nifti: 'application/gzip', 'dicom-seg': 'application/dicom' }[format];
        return { fileName: path.basename(file), mime, data: (await fs.readFile(file)).toString('base64') };
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    },

    async labelExportFormats(imageId) {
      return labelExportFormats(requireImage(imageId));
    },

    async listModels(projectId) {
      return ws.models.list(projectId);
    },

    async startTraining(projectId, request) {
      const project = ws.projects.require(projectId);
      const images = labeledImages(projectId);
      if (images.length === 0) throw new UserError(`project "${project.name}" has no labeled pixels yet: paint a few strokes per class first`);
      const base = request.baseModelId !== undefined ? requireModel(request.baseModelId) : null;
      // Fine-tuning keeps the base model's architecture and preset; a fresh model takes the request's, where no preset
      // means the architecture's default. Checked here, so a wrong choice fails in the caller's request.
      const architecture = base?.architecture ?? request.architecture ?? DEFAULT_TRAIN_OPTIONS.architecture;
      const requestedPreset = base ? (base.config.preset as string | undefined) : request.preset;
      const { preset } = checkedModelChoice(architecture, requestedPreset, { inputChannels: 1, numClasses: project.classes.length }, request.modelConfig);
      const trainOptions: TrainOptions = {
        ...DEFAULT_TRAIN_OPTIONS,
        patchSize: 64,
        epochs: 10,
        valSplit: images.length >= 5 ? 0.2 : 0,
        ...Object.fromEntries(Object.entries(request).filter(([k]) => k in DEFAULT_TRAIN_OPTIONS || ['stepsPerEpoch', 'timeBudgetSeconds', 'modelConfig', 'sliceContext'].includes(k))),
        architecture,
        preset,
      };
      const name = request.name ?? `${project.name} ${trainOptions.architecture} ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`;
      const outDir = base?.directory ?? path.join(ws.dir, 'models', `${projectId}-${Date.now()}`);
      const initEncoderDir = base
        ? undefined
        : (request.initEncoderDir ?? (await recordedEncoders(projectId)).find((e) => e.architecture === trainOptions.architecture && e.preset === trainOptions.preset)?.directory);
      const runId = ws.runs.start({ projectId, modelId: base?.id ?? null, config: { ...trainOptions, name }, backend: options.backend ?? 'auto' });
      return {
        job: runJob(
          (worker, job) =>
            worker.start(
              {
                kind: 'train',
                images,
                classes: project.classes,
                options: trainOptions,
                outDir,
                ...(base ? { baseModelDir: base.directory } : {}),
                ...(initEncoderDir ? { initEncoderDir } : {}),
              },
              {
                onTrainEvent: (event) => {
                  if (event.type === 'epoch') ws.runs.addEpoch(runId, { epoch: event.epoch, loss: event.loss, valLoss: event.valLoss, perClassIoU: event.perClassIoU, meanIoU: event.meanIoU });
                  if (event.type === 'epoch' && !base && !ws.runs.get(runId)?.modelId) {
                    const model = ws.models.add({ projectId, name, architecture: trainOptions.architecture, config: { preset: trainOptions.preset }, classes: project.classes, directory: outDir });
                    ws.runs.setModel(runId, model.id);
                  }
                  publish({ job, kind: 'train', event: event.type === 'start' ? { ...event, runId } : event });
                },
              },
            ),
          (value) => {
            const end = value as { reason: string };
            ws.runs.finish(runId, end.reason === 'cancelled' ? 'cancelled' : 'completed', value as Record<string, unknown>);
          },
          (e) => ws.runs.finish(runId, 'failed', { error: e.message }),
        ),
        ...(initEncoderDir ? { initEncoderDir } : {}),
      };
    },

    async startPretraining(projectId, request) {
      const project = ws.projects.require(projectId);
      const { architecture, preset, timeBudgetSeconds } = request;
      if (!(timeBudgetSeconds > 0)) throw new UserError(`pre-training needs a positive time budget, got ${timeBudgetSeconds}`);
      const images = ws.images.query({ projectId }).images;
      if (images.length === 0) throw new UserError(`project "${project.name}" has no images to pre-train on`);
      // One band count per encoder: the most common one among the project's images.
      const counts = new Map<number, number>();
      for (const image of images) counts.set(image.channels, (counts.get(image.channels) ?? 0) + 1);
      const channels = [...counts.entries()].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
      const usable = images.filter((i) => i.channels === channels);
      const { config } = checkedModelChoice(architecture, preset, { inputChannels: channels, numClasses: project.classes.length });
      const multiple = getArchitecture(architecture).sizeMultiple(config);
      const smallest = Math.min(64, ...usable.map((i) => Math.min(i.width, i.height)));
      const patchSize = Math.floor(smallest / multiple) * multiple;
      if (patchSize < multiple) throw new UserError(`project "${project.name}": images of ${smallest}px are smaller than the ${multiple}px ${architecture} needs`);
      const outDir = path.join(encodersDir(projectId), `${architecture}__${preset}__${Date.now()}`);
      await fs.mkdir(path.dirname(outDir), { recursive: true });
      return {
        job: runJob(
          (worker, job) =>
            worker.start(
              { kind: 'pretrain', imagePaths: usable.map((i) => i.path), architecture, preset, outDir, patchSize, timeBudgetSeconds },
              { onPretrainEvent: (event) => publish({ job, kind: 'pretrain', event: { type: 'step', ...event } }) },
            ),
          (value, job) => {
            const end = value as { steps: number; seconds: number; firstLoss: number; lastLoss: number; endReason: string };
            publish({ job, kind: 'pretrain', event: { type: 'end', ...end, encoderDir: outDir } });
          },
          () => {},
        ),
      };
    },

    async listEncoders(projectId) {
      ws.projects.require(projectId);
      return recordedEncoders(projectId);
    },

    async cancelJob(job) {
      const running = jobs.get(job);
      if (running) running.worker.cancel(running.workerJobId);
    },

    async predict(modelId, imageId, slice = 0) {
      const model = requireModel(modelId);
      const image = requireImage(imageId);
      const result = await interactiveWorker().call({ kind: 'predict', modelDir: model.directory, imagePath: image.path, slice, tta: false });
      ws.images.setUncertainty(imageId, result.uncertaintyScore);
      ws.images.setPredicted(imageId, true);
      return {
        width: result.width,
        height: result.height,
        numClasses: result.numClasses,
        mask: b64(result.mask),
        probabilities: b64(result.probabilities),
        uncertainty: b64(result.uncertainty),
        uncertaintyScore: result.uncertaintyScore,
      };
    },

    async cam(request) {
      const model = requireModel(request.modelId);
      const image = requireImage(request.imageId);
      const result = await interactiveWorker().call({
        kind: 'cam',
        modelDir: model.directory,
        imagePath: image.path,
        slice: request.slice ?? 0,
        classIndex: request.classIndex,
        ...(request.layer ? { layer: request.layer } : {}),
        ...(request.region ? { region: request.region } : {}),
      });
      return { width: result.width, height: result.height, heatmap: b64(result.heatmap), layer: result.layer };
    },

    async camLayers(modelId) {
      const model = requireModel(modelId);
      return interactiveWorker().call({ kind: 'cam-layers', modelDir: model.directory });
    },

    async evaluate(modelId, projectId) {
      const model = requireModel(modelId);
      const project = ws.projects.require(projectId);
      const images = labeledImages(projectId);
      if (images.length === 0) throw new UserError(`project "${project.name}" has no labeled images to evaluate on`);
      const report = await interactiveWorker().call({ kind: 'evaluate', modelDir: model.directory, images });
      ws.evaluations.add(modelId, projectId, report, []);
      return report;
    },

    async listRuns(projectId) {
      return ws.runs.list(projectId);
    },

    async segmentFolder(modelId, inputDir, outputDir) {
      const model = requireModel(modelId);
      return {
        job: runJob(
          (worker, job) =>
            worker.start(
              { kind: 'segment', modelDir: model.directory, inputDir: path.resolve(inputDir), outputDir: path.resolve(outputDir), probabilities: false, overwrite: false, recursive: true },
              { onBatchEvent: (event) => publish({ job, kind: 'batch', event }) },
            ),
          (value, job) => batchSummaries.set(job, value as BatchSummary),
          () => {},
        ),
      };
    },

    async lastBatchSummary(job) {
      return batchSummaries.get(job) ?? null;
    },

    onJobEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      for (const { worker } of jobs.values()) await worker.terminate();
      await interactive?.terminate();
      ws.close();
    },
  };
  return service;
}
