// The compute worker: training, batch segmentation, prediction, CAM and evaluation, off the main thread so the
// server (and the painting UI behind it) never waits on tfjs.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { InputError, toErrorPayload, UserError } from '../api/errors.ts';
import { mapImageSlice } from '../anomaly/map-file.ts';
import { loadAnomalyModel, type AnomalyModel } from '../anomaly/model-dir.ts';
import { chooseEngine, initBackend } from '../compute/backends.ts';
import { segmentFolder } from '../inference/batch.ts';
import { modelInput, segmentSource } from '../inference/segment-image.ts';
import { camLayerCandidates, camStages, computeCam, heatmapToBytes } from '../inference/cam.ts';
import { featureMaps, firstLayerFilters } from '../inference/feature-maps.ts';
import { evaluateImages } from '../inference/evaluate.ts';
import { openInferenceModel, type InferenceModel } from '../inference/inference-model.ts';
import { DEFAULT_TILE_OPTIONS } from '../inference/tiler.ts';
import { openRaster, readSliceWithNeighbours } from '../io/index.ts';
import { getArchitecture } from '../models/index.ts';
import { loadModelDir, WEIGHTS, type LoadedModel } from '../models/model-dir.ts';
import { train } from '../training/loop.ts';
import { splitTrainVal } from '../training/split.ts';
import { pretrainEncoder } from '../training/pretrain.ts';
import { defaultObjectiveSettings } from '../training/pretrain-settings.ts';
import { readUnlabeledImages } from '../training/unlabeled-images.ts';
import type { LabeledImage } from '../training/dataset.ts';
import type { CamJobRequest, CamLayersRequest, CamResult, EvaluateRequest, FeaturesJobRequest, FeaturesResult, FromWorker, JobImage, PredictRequest, PredictResult, PretrainRequest, ToWorker, TrainRequest } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('worker.ts runs only as a worker thread');

const controllers = new Map<number, AbortController>();
const send = (message: FromWorker) => port.postMessage(message);

/**
 * Loaded models stay warm between requests, at most three of a kind; a retrained directory is reloaded because
 * its weights' mtime changes.
 */
class ModelCache<T> {
  private readonly entries = new Map<string, { stamp: string; value: T }>();

  constructor(private readonly open: (dir: string) => Promise<T>, private readonly close: (value: T) => unknown) {}

  async get(dir: string): Promise<T> {
    // A model whose folder was moved or deleted is the user's to fix, not a crash.
    const weights = await stat(path.join(dir, WEIGHTS)).catch(() => {
      throw new InputError(dir, existsSync(dir) ? `not a Segwork model directory: ${WEIGHTS} is missing` : 'model directory does not exist');
    });
    const stamp = String(weights.mtimeMs);
    const hit = this.entries.get(dir);
    if (hit && hit.stamp === stamp) return hit.value;
    if (hit) await this.close(hit.value);
    const value = await this.open(dir);
    this.entries.set(dir, { stamp, value });
    if (this.entries.size > 3) {
      const [oldest] = this.entries.keys();
      await this.close(this.entries.get(oldest!)!.value);
      this.entries.delete(oldest!);
    }
    return value;
  }
}

// Forward passes run on the engine chosen for them (ONNX Runtime when present); CAM needs tfjs's gradients.
let forwardBackend: string | undefined;
const inferenceModels = new ModelCache<InferenceModel>((dir) => openInferenceModel(dir, { backend: forwardBackend }), (m) => m.dispose());
const tfjsModels = new ModelCache<LoadedModel>(loadModelDir, (m) => m.model.dispose());
const anomalyModels = new ModelCache<AnomalyModel>(loadAnomalyModel, (m) => m.reconstruction.dispose());

/** Pixels of each labeled slice, with `sliceContext` neighbour slices as extra bands (2.5D). */
async function toLabeled(images: JobImage[], sliceContext = 0): Promise<LabeledImage[]> {
  const out: LabeledImage[] = [];
  for (const item of images) {
    const raster = await openRaster(item.imagePath);
    const image = await readSliceWithNeighbours(raster, item.slice, sliceContext).finally(() => raster.close());
    out.push({ name: item.name, imagePath: item.imagePath, maskPath: '', width: image.width, height: image.height, bands: image.bands, image: image.data, mask: item.mask });
  }
  return out;
}

async function runTrain(id: number, request: TrainRequest, backend: string, signal: AbortSignal) {
  const initial = request.baseModelDir ? await loadModelDir(request.baseModelDir) : undefined;
  // Fine-tuning keeps the base model's 2.5D input, whatever the request says.
  const options = initial ? { ...request.options, sliceContext: initial.meta.sliceContext ?? 0 } : request.options;
  const items = await toLabeled(request.images, options.sliceContext);
  const { train: trainItems, val } = splitTrainVal(items, options.valSplit, options.seed);
  const result = await train({
    train: trainItems,
    val,
    classes: request.classes,
    options,
    outDir: request.outDir,
    backend: backend as never,
    engine: await chooseEngine(forwardBackend),
    signal,
    ...(initial ? { initial } : {}),
    ...(request.initEncoderDir ? { initEncoderDir: request.initEncoderDir } : {}),
    onEvent: (event) => send({ type: 'train-event', id, event }),
  });
  initial?.model.dispose();
  return { epochs: result.end.epochs, reason: result.end.reason, bestMeanIoU: result.end.bestMeanIoU, seconds: result.end.seconds };
}

async function runPredict(request: PredictRequest): Promise<PredictResult> {
  const model = await inferenceModels.get(request.modelDir);
  const raster = await openRaster(request.imagePath);
  try {
    const result = await segmentSource(model, modelInput(raster, model.meta, request.slice), { probabilities: true, uncertainty: true });
    return {
      width: result.width,
      height: result.height,
      numClasses: result.numClasses,
      mask: result.mask,
      probabilities: result.probabilities!,
      uncertainty: result.uncertainty!,
      uncertaintyScore: result.uncertaintyScore!,
    };
  } finally {
    await raster.close();
  }
}

async function runCam(request: CamJobRequest): Promise<CamResult> {
  const loaded = await tfjsModels.get(request.modelDir);
  const { meta } = loaded;
  const arch = getArchitecture(meta.architecture);
  const raster = await openRaster(request.imagePath);
  try {
    const source = modelInput(raster, loaded.meta, request.slice);
    const layer = request.layer ?? arch.defaultCamLayer(loaded.model, meta.config);
    const cam = await computeCam(loaded.model, source, meta.normalisation, arch.sizeMultiple(meta.config), {
      classIndex: request.classIndex,
      layer,
      ...(request.region ? { region: request.region } : {}),
    });
    return { width: cam.width, height: cam.height, heatmap: heatmapToBytes(cam.heatmap), layer: cam.layer };
  } finally {
    await raster.close();
  }
}

async function runCamLayers(request: CamLayersRequest) {
  const loaded = await tfjsModels.get(request.modelDir);
  const defaultLayer = getArchitecture(loaded.meta.architecture).defaultCamLayer(loaded.model, loaded.meta.config);
  return { stages: camStages(loaded.model), defaultLayer };
}

async function runFeatures(request: FeaturesJobRequest): Promise<FeaturesResult> {
  const loaded = await tfjsModels.get(request.modelDir);
  if (request.layer === undefined) {
    const filters = firstLayerFilters(loaded.model, request.channels);
    return { width: filters.width, height: filters.height, grid: filters.data, layer: filters.layer, channels: filters.filters, shown: filters.cells, columns: filters.columns };
  }
  if (!camLayerCandidates(loaded.model).includes(request.layer)) {
    throw new UserError(`"${request.layer}" is not a spatial layer of this model: choose one of ${camStages(loaded.model).map((s) => s.name).join(', ')}`);
  }
  const { meta } = loaded;
  const raster = await openRaster(request.imagePath);
  try {
    const source = modelInput(raster, meta, request.slice);
    const maps = await featureMaps(loaded.model, source, meta.normalisation, getArchitecture(meta.architecture).sizeMultiple(meta.config), request.layer, request.channels);
    return { width: maps.width, height: maps.height, grid: maps.data, layer: maps.layer, channels: maps.channels, shown: maps.cells, columns: maps.columns };
  } finally {
    await raster.close();
  }
}

async function runPretrain(id: number, request: PretrainRequest, backend: string, signal: AbortSignal) {
  const images = await readUnlabeledImages(request.imagePaths);
  return pretrainEncoder({
    images,
    architecture: request.architecture,
    preset: request.preset,
    outDir: request.outDir,
    backend: backend as never,
    objective: defaultObjectiveSettings(request.objective ?? 'denoising'),
    stacked: request.stacked ?? false,
    patchSize: request.patchSize,
    batchSize: 4,
    learningRate: 1e-3,
    timeBudgetSeconds: request.timeBudgetSeconds,
    maxSteps: 100_000,
    seed: 1,
    signal,
    onProgress: (event) => send({ type: 'pretrain-event', id, event }),
  });
}

async function runEvaluate(request: EvaluateRequest, signal: AbortSignal) {
  const { meta, predict } = await inferenceModels.get(request.modelDir);
  const items = await toLabeled(request.images, meta.sliceContext);
  const sizeMultiple = getArchitecture(meta.architecture).sizeMultiple(meta.config);
  const evaluation = await evaluateImages(predict, items, meta.normalisation, meta.classes.length, sizeMultiple, DEFAULT_TILE_OPTIONS, signal);
  return evaluation.confusion.report(meta.classes.map((c) => c.name));
}

port.on('message', async (message: ToWorker) => {
  if (message.type === 'cancel') {
    controllers.get(message.id)?.abort();
    return;
  }
  const { id, request } = message;
  const controller = new AbortController();
  controllers.set(id, controller);
  try {
    const backend = await initBackend(message.backend);
    forwardBackend = message.backend;
    let value: unknown;
    switch (request.kind) {
      case 'train':
        value = await runTrain(id, request, backend, controller.signal);
        break;
      case 'segment': {
        const model = await inferenceModels.get(request.modelDir);
        value = await segmentFolder(model, { ...request, signal: controller.signal, onEvent: (event) => send({ type: 'batch-event', id, event }) });
        break;
      }
      case 'predict':
        value = await runPredict(request);
        break;
      case 'cam':
        value = await runCam(request);
        break;
      case 'evaluate':
        value = await runEvaluate(request, controller.signal);
        break;
      case 'cam-layers':
        value = await runCamLayers(request);
        break;
      case 'features':
        value = await runFeatures(request);
        break;
      case 'pretrain':
        value = await runPretrain(id, request, backend, controller.signal);
        break;
      case 'anomaly-map':
        value = await mapImageSlice(await anomalyModels.get(request.modelDir), request.imagePath, request.slice, { signal: controller.signal });
        break;
    }
    send({ type: 'result', id, value });
  } catch (e) {
    send({ type: 'error', id, error: toErrorPayload(e) });
  } finally {
    controllers.delete(id);
  }
});

// Keeps tfjs from holding the process when the parent terminates the worker.
process.on('exit', () => tf.disposeVariables());
