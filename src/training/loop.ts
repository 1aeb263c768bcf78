// The training loop: random patches → forward/backward with Adam → per-epoch validation → checkpoint.
// Stops on epochs, time budget (at the end of the step that crosses it), early stopping, or cancellation,
// and always leaves a usable model directory behind.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeAtomic } from '../io/write-atomic.ts';
import { hexColor, type ColorMapping } from '../labels/mask-colors.ts';
import type { BackendName, ClassDef, EpochMetrics, TrainEvent, TrainOptions } from '../api/types.ts';
import type { EngineChoice } from '../compute/backends.ts';
import { evaluateImages } from '../inference/evaluate.ts';
import { DEFAULT_TILE_OPTIONS } from '../inference/tiler.ts';
import { loadModelDir, MODEL_FORMAT, readModelMeta, saveModelDir, type LoadedModel, type ModelMeta, type Normalisation } from '../models/model-dir.ts';
import { getArchitecture, resolveConfig } from '../models/index.ts';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint, type LoopState } from './checkpoint.ts';
import { classCounts, computeNormalisation, medianFrequencyWeights, type LabeledImage } from './dataset.ts';
import type { LossOptions } from './losses.ts';
import { OnnxTrainer } from './onnx-trainer.ts';
import { TfjsStepEngine, type NamedTensor, type StepEngine } from './step-engine.ts';
import { Rng, withSeededMathRandom } from './rng.ts';
import { PatchSampler } from './sampler.ts';
import { foregroundClassProblem, separationWeightMap, WEIGHT_MAP_DEFAULTS } from './weight-map.ts';
import { UserError } from '../api/errors.ts';

export { DEFAULT_TRAIN_OPTIONS } from './defaults.ts';

export interface TrainJob {
  train: LabeledImage[];
  val: LabeledImage[];
  classes: ClassDef[];
  options: TrainOptions;
  outDir: string;
  /** The tfjs backend in use (the engine when ONNX Runtime is not chosen or cannot compile the model). */
  backend: BackendName;
  /** ONNX Runtime runs the steps when chosen here and it can compile the model; tfjs otherwise. */
  engine?: EngineChoice;
  /** One line the user should know (an engine that fell back). */
  note?: (line: string) => void;
  resume?: boolean;
  /** Start from these weights (fine-tuning, live mode) instead of a fresh model. */
  initial?: LoadedModel;
  /** Copy matching encoder weights from a pre-trained encoder model. */
  initEncoderDir?: string;
  labelValues?: number[];
  ignoreValue?: number;
  /** Colour-coded masks' mapping, recorded in the model like labelValues. */
  colors?: ColorMapping;
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
}

export interface TrainResult {
  meta: ModelMeta;
  end: Extract<TrainEvent, { type: 'end' }>;
  history: EpochMetrics[];
}

function optionsKey(o: TrainOptions, classes: ClassDef[], bands: number): string {
  return JSON.stringify([o.architecture, o.preset ?? null, o.modelConfig ?? {}, classes.length, bands]);
}

export async function train(job: TrainJob): Promise<TrainResult> {
  return withSeededMathRandom(job.options.seed, () => runTraining(job));
}

async function runTraining(job: TrainJob): Promise<TrainResult> {
  const { options, classes } = job;
  const emit = job.onEvent ?? (() => {});
  const bands = job.train[0]!.bands;
  const numClasses = classes.length;
  const started = Date.now();
  const key = optionsKey(options, classes, bands);

  let model: tf.LayersModel;
  let normalisation: Normalisation;
  let config: ModelMeta['config'];
  let state: LoopState = { epoch: 0, bestMeanIoU: null, bestEpoch: 0, elapsedSeconds: 0, history: [], optionsKey: key };
  let resumeOptimizer: NamedTensor[] | null = null;

  if (job.resume && hasCheckpoint(job.outDir)) {
    const checkpoint = await loadCheckpoint(job.outDir);
    if (checkpoint.state.optionsKey !== key) {
      throw new Error(`cannot resume ${job.outDir}: it was trained with other model options or classes (${checkpoint.state.optionsKey})`);
    }
    model = checkpoint.loaded.model;
    normalisation = checkpoint.loaded.meta.normalisation;
    config = checkpoint.loaded.meta.config;
    state = checkpoint.state;
    resumeOptimizer = checkpoint.optimizerWeights;
  } else if (job.initial) {
    model = job.initial.model;
    normalisation = job.initial.meta.normalisation;
    config = job.initial.meta.config;
  } else {
    config = resolveConfig(options.architecture, { inputChannels: bands, numClasses }, options.preset, options.modelConfig);
    model = getArchitecture(options.architecture).build(config);
    normalisation = computeNormalisation(job.train);
    if (job.initEncoderDir) await copyEncoderWeights(model, job.initEncoderDir, options.architecture, config);
  }
  const arch = getArchitecture(options.architecture);
  const sizeMultiple = arch.sizeMultiple(config);
  const patchSize = Math.max(sizeMultiple, Math.round(options.patchSize / sizeMultiple) * sizeMultiple);

  const weights = options.classWeighting === 'median-frequency' ? medianFrequencyWeights(classCounts(job.train.map((t) => t.mask), numClasses)) : undefined;
  const totalPixels = job.train.reduce((n, t) => n + t.width * t.height, 0);
  const stepsPerEpoch = options.stepsPerEpoch ?? Math.min(200, Math.max(4, Math.ceil(totalPixels / (patchSize * patchSize * options.batchSize))));
  const rng = new Rng(options.seed + state.epoch * 7919);
  const weightMaps = options.weightMap ? weightMapsOf(job, weights ?? new Array(numClasses).fill(1)) : undefined;
  const sampler = new PatchSampler(job.train, patchSize, normalisation, rng, options.augment, { elasticSigma: options.elasticSigma ?? 0, ...(weightMaps ? { weightMaps } : {}) });
  const lossOptions = { numClasses, classWeights: weights, diceWeight: options.diceWeight, pixelWeights: weightMaps !== undefined };
  const engine = await createStepEngine(job, model, { patchSize, bands, lossOptions });
  if (resumeOptimizer) await engine.setOptimizerWeights(resumeOptimizer);
  const parameters = model.countParams();
  const evalImages = job.val.length > 0 ? job.val : job.train.slice(0, 4);
  const tiles = { ...DEFAULT_TILE_OPTIONS, tile: Math.max(patchSize, 256), batch: 2 };

  const metaFor = (endReason: string): ModelMeta => ({
    format: MODEL_FORMAT,
    formatVersion: 1,
    architecture: options.architecture,
    config,
    classes,
    inputChannels: bands,
    ...(options.sliceContext ? { sliceContext: options.sliceContext } : {}),
    normalisation,
    ...(job.labelValues ? { labelValues: job.labelValues } : {}),
    ...(job.ignoreValue !== undefined ? { ignoreValue: job.ignoreValue } : {}),
    ...(job.colors ? { labelColors: job.colors.labelColors.map(hexColor), ignoreColors: (job.colors.ignoreColors ?? []).map(hexColor) } : {}),
    training: {
      epochs: state.epoch,
      bestMeanIoU: state.bestMeanIoU,
      seconds: state.elapsedSeconds,
      backend: engine.name,
      patchSize,
      endReason,
      trainedAt: new Date().toISOString(),
      trainImages: job.train.length,
      valImages: job.val.length,
    },
  });

  // A checkpoint of a partial epoch resumes inside it: the same epoch number, from its next step.
  let resumeInside = state.partialEpoch !== undefined && state.partialEpoch.steps < stepsPerEpoch ? state.partialEpoch : undefined;
  const resumedAt = resumeInside ? { epoch: state.epoch, step: resumeInside.steps + 1 } : state.epoch > 0 ? { epoch: state.epoch + 1, step: 1 } : null;
  emit({ type: 'start', backend: engine.name, totalEpochs: options.epochs, stepsPerEpoch, trainImages: job.train.length, valImages: job.val.length, parameters, ...(resumedAt ? { resumedAt } : {}) });

  let reason: Extract<TrainEvent, { type: 'end' }>['reason'] = 'completed';
  const budgetMs = options.timeBudgetSeconds !== undefined ? options.timeBudgetSeconds * 1000 : Infinity;
  const elapsedBefore = state.elapsedSeconds;
  let stepTimes: number[] = [];
  // A checkpoint from an older version may have been written before its model: then the next epoch saves one.
  let savedAny = state.epoch > 0 && existsSync(path.join(job.outDir, 'segwork.json'));

  while (state.epoch < options.epochs || resumeInside) {
    const epoch = resumeInside ? state.epoch : state.epoch + 1;
    const epochStart = Date.now();
    let lossSum = resumeInside?.lossSum ?? 0;
    let steps = resumeInside?.steps ?? 0;
    resumeInside = undefined;
    for (let step = steps + 1; step <= stepsPerEpoch; step++) {
      const t0 = Date.now();
      const batch = sampler.nextBatch(options.batchSize);
      const loss = await engine.step(batch, `training step ${step} of epoch ${epoch} (batch ${options.batchSize} of ${patchSize}² patches)`);
      if (!Number.isFinite(loss)) throw new Error(`training diverged at epoch ${epoch}, step ${step} (loss ${loss}); try a lower learning rate`);
      lossSum += loss;
      steps++;
      const dt = (Date.now() - t0) / 1000;
      stepTimes = [...stepTimes.slice(-19), dt];
      const avg = stepTimes.reduce((a, b) => a + b, 0) / stepTimes.length;
      const remainingSteps = (options.epochs - epoch) * stepsPerEpoch + (stepsPerEpoch - step);
      const elapsed = (Date.now() - started) / 1000;
      const budgetLeft = Number.isFinite(budgetMs) ? Math.max(0, budgetMs / 1000 - elapsed) : Infinity;
      emit({
        type: 'step',
        epoch,
        step,
        stepsPerEpoch,
        loss,
        // Both over the last 20 steps, so neither jumps with one slow step.
        imagesPerSecond: options.batchSize / Math.max(avg, 1e-6),
        etaSeconds: Math.min(remainingSteps * avg, budgetLeft),
      });
      // Yield to the event loop: wasm's data() resolves at once, and without this a Ctrl-C or a worker's
      // cancel message would never be handled while training runs.
      await new Promise((resolve) => setImmediate(resolve));
      if (job.signal?.aborted) {
        reason = 'cancelled';
        break;
      }
      if (Date.now() - started >= budgetMs) {
        reason = 'time-budget';
        break;
      }
    }
    // A partial epoch (budget or cancel) still gets validated and saved, so the time spent is never lost.
    await engine.sync();
    const evaluation = await engine.withPredictor(metaFor('validation'), (predict) => evaluateImages(predict, evalImages, normalisation, numClasses, sizeMultiple, tiles));
    const report = evaluation.confusion.report(classes.map((c) => c.name));
    const metrics: EpochMetrics = {
      epoch,
      loss: steps > 0 ? lossSum / steps : NaN,
      valLoss: job.val.length > 0 ? evaluation.loss : null,
      perClassIoU: report.perClass.map((c) => c.iou),
      meanIoU: report.meanIoU,
    };
    const { partialEpoch: _done, ...whole } = state;
    state = {
      ...whole,
      epoch,
      history: [...state.history.filter((h) => h.epoch !== epoch), metrics],
      elapsedSeconds: elapsedBefore + (Date.now() - started) / 1000,
      ...(steps < stepsPerEpoch ? { partialEpoch: { steps, lossSum } } : {}),
    };
    const improved = state.bestMeanIoU === null || (metrics.meanIoU ?? -1) > state.bestMeanIoU;
    if (improved) state = { ...state, bestMeanIoU: metrics.meanIoU, bestEpoch: epoch };
    // The best model before the checkpoint: a kill in between then redoes this epoch, instead of resuming past an
    // epoch whose model was never saved (which could leave the directory without a loadable model).
    if (improved || !savedAny) {
      await saveModelDir(job.outDir, model, metaFor('best'));
      savedAny = true;
    }
    await saveCheckpoint(job.outDir, model, metaFor('checkpoint'), await engine.optimizerWeights(), state);
    emit({ type: 'epoch', ...metrics, seconds: (Date.now() - epochStart) / 1000, checkpoint: job.outDir });
    if (reason !== 'completed') break;
    if (job.val.length > 0 && epoch - state.bestEpoch >= options.earlyStoppingPatience) {
      reason = 'early-stopping';
      break;
    }
  }

  // The model directory keeps the best epoch's weights; its summary records how the run ended.
  const finalMeta = { ...(await readModelMeta(job.outDir)), training: { ...metaFor(reason).training!, epochs: state.epoch } };
  await writeAtomic(path.join(job.outDir, 'segwork.json'), JSON.stringify(finalMeta, null, 2) + '\n');
  engine.dispose();
  if (!job.initial) model.dispose();
  const end = { type: 'end' as const, reason, epochs: state.epoch, bestMeanIoU: state.bestMeanIoU, seconds: state.elapsedSeconds };
  emit(end);
  return { meta: finalMeta, end, history: state.history };
}

/** Each training image's separation weight map, computed once per run; an image without foreground objects says so. */
function weightMapsOf(job: TrainJob, classWeights: number[]): Map<LabeledImage, Float32Array> {
  const options = { ...WEIGHT_MAP_DEFAULTS, ...job.options.weightMap! };
  const problem = foregroundClassProblem(options.foregroundClass, job.classes.length);
  if (problem) throw new UserError(problem);
  const foreground = job.classes[options.foregroundClass]!.name;
  const maps = new Map<LabeledImage, Float32Array>();
  for (const item of job.train) {
    const map = separationWeightMap(item.mask, item.width, item.height, options, classWeights);
    if (map.objects === 0) (job.note ?? console.error)(`${item.name}: no pixel labeled "${foreground}", so its weight map is the class weights alone`);
    maps.set(item, map.weights);
  }
  return maps;
}

/**
 * ONNX Runtime's step when it is chosen and compiles this model (one line says why not otherwise), else tfjs's.
 * Either way the loop's behaviour (patches, validation, checkpoints, resume) is the same.
 */
async function createStepEngine(job: TrainJob, model: tf.LayersModel, shape: { patchSize: number; bands: number; lossOptions: LossOptions }): Promise<StepEngine> {
  const { options } = job;
  if (job.engine?.kind === 'onnxruntime') {
    try {
      return await OnnxTrainer.create(model, {
        batchSize: options.batchSize, patchSize: shape.patchSize, bands: shape.bands, learningRate: options.learningRate, loss: shape.lossOptions, seed: options.seed,
        ...(job.engine.provider ? { provider: job.engine.provider } : {}),
        ...(job.note ? { warn: job.note } : {}),
      });
    } catch (error) {
      (job.note ?? console.error)(`training on ${job.backend} instead of ONNX Runtime: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return new TfjsStepEngine(model, job.backend, options.learningRate, shape.lossOptions);
}

/** Copies the weights of every encoder layer present (by name) in a pre-trained encoder's model directory. */
async function copyEncoderWeights(model: tf.LayersModel, encoderDir: string, architecture: string, config: ModelMeta['config']): Promise<void> {
  const source = await loadModelDir(encoderDir);
  const names = getArchitecture(architecture).encoderLayers(model, config);
  let copied = 0;
  for (const name of names) {
    const from = source.model.layers.find((l) => l.name === name);
    const to = model.getLayer(name);
    if (!from || from.getWeights().length === 0) continue;
    const shapes = (ws: tf.Tensor[]) => ws.map((w) => w.shape.join('x')).join(',');
    if (shapes(from.getWeights()) !== shapes(to.getWeights())) {
      throw new Error(`${encoderDir}: layer ${name} has other shapes than the model being trained (${shapes(from.getWeights())} vs ${shapes(to.getWeights())})`);
    }
    to.setWeights(from.getWeights());
    copied++;
  }
  source.model.dispose();
  if (copied === 0) throw new Error(`${encoderDir}: no encoder layer matches a layer of the ${architecture} model`);
}
