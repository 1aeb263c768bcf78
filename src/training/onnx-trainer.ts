// Training steps on ONNX Runtime: the model's step graph (src/models/onnx/training) in one session. Its weights,
// Adam moments and batch-norm statistics live in two sets of buffers bound to the session in turn: a step reads
// one set and writes its results straight into the other, so no output is allocated or copied into a new array
// (U-Net's 3 × 7.8 M floats went through a run in 118 ms this way, 269–303 ms with fresh outputs).
import * as tf from '@tensorflow/tfjs';
import type * as Ort from 'onnxruntime-node';
import { createOnnxSession, type OnnxProvider, type OnnxSession } from '../compute/onnxruntime.ts';
import type { Parameter } from '../models/onnx/graph-builder.ts';
import { TRAINING_INPUTS, TRAINING_OUTPUTS } from '../models/onnx/training/names.ts';
import { ADAM, buildTrainingGraph, gradientName, momentNames, newName, type TrainingGraph } from '../models/onnx/training/training-graph.ts';
import { nhwcToNchw, onnxPredictor } from '../inference/onnx-predictor.ts';
import type { TilePredictor } from '../inference/tiler.ts';
import type { ModelMeta } from '../models/model-dir.ts';
import { exportOnnx } from '../models/onnx/export.ts';
import type { LossOptions } from './losses.ts';
import { requiredWeights, type Batch } from './sampler.ts';
import type { NamedTensor, StepEngine } from './step-engine.ts';

export interface OnnxTrainerOptions {
  batchSize: number;
  patchSize: number;
  bands: number;
  learningRate: number;
  loss: LossOptions;
  provider?: OnnxProvider;
  warn?: (line: string) => void;
  /** Also output every weight's gradient (the gradient checks). */
  gradients?: boolean;
  /** Seeds dropout's masks (--seed), so a run is repeatable. */
  seed?: number;
}

/** The tfjs variable behind a graph parameter. */
function variableOf(model: tf.LayersModel, p: Parameter): tf.LayerVariable {
  const variable = model.getLayer(p.layer).weights.find((w) => w.originalName.endsWith(`/${p.suffix}`));
  if (!variable) throw new Error(`ONNX training: ${p.layer} has no "${p.suffix}" weight`);
  return variable;
}

export class OnnxTrainer implements StepEngine {
  readonly name: string;
  readonly provider: OnnxProvider;
  private state = new Map<string, Ort.Tensor>();
  /** The buffers the next step writes into; they swap with `state` after each step. */
  private spare = new Map<string, Ort.Tensor>();
  private iterations = 0;
  /** The last step's gradients, by tfjs variable name (only with `gradients`). */
  lastGradients = new Map<string, Float32Array>();

  private constructor(
    private readonly model: tf.LayersModel,
    private readonly graph: TrainingGraph,
    private readonly onnx: OnnxSession,
    private readonly options: OnnxTrainerOptions,
  ) {
    this.name = `onnxruntime (${onnx.provider})`;
    this.provider = onnx.provider;
    const { Tensor } = onnx.ort;
    for (const p of graph.trainable) {
      this.state.set(p.name, new Tensor('float32', p.values, p.dims));
      const { m, v } = momentNames(p.name);
      this.state.set(m, new Tensor('float32', new Float32Array(p.values.length), p.dims));
      this.state.set(v, new Tensor('float32', new Float32Array(p.values.length), p.dims));
    }
    for (const p of graph.states) this.state.set(p.name, new Tensor('float32', p.values, p.dims));
    for (const [name, tensor] of this.state) this.spare.set(name, new Tensor('float32', new Float32Array(tensor.size), tensor.dims));
  }

  /** Compiles the model's step for batches of `batchSize` patches of `patchSize`², starting from its current weights. */
  static async create(model: tf.LayersModel, options: OnnxTrainerOptions): Promise<OnnxTrainer> {
    const shape = { batch: options.batchSize, height: options.patchSize, width: options.patchSize, bands: options.bands };
    const graph = buildTrainingGraph(model, shape, options.loss, { gradients: options.gradients, seed: options.seed });
    const onnx = await createOnnxSession(graph.bytes, { provider: options.provider, warn: options.warn });
    return new OnnxTrainer(model, graph, onnx, options);
  }

  async step(batch: Batch): Promise<number> {
    const { Tensor } = this.onnx.ort;
    const { batchSize: n, size, bands } = batch;
    this.iterations++;
    const scalar = (v: number) => new Tensor('float32', new Float32Array([v]), []);
    const feeds: Record<string, Ort.Tensor> = {
      [TRAINING_INPUTS.image]: new Tensor('float32', nhwcToNchw(batch.images, n, size, size, bands), [n, bands, size, size]),
      [TRAINING_INPUTS.labels]: new Tensor('int64', BigInt64Array.from(batch.masks, (v) => BigInt(v)), [n, size, size]),
      [TRAINING_INPUTS.learningRate]: scalar(this.options.learningRate),
      [TRAINING_INPUTS.oneMinusBeta1Power]: scalar(1 - ADAM.beta1 ** this.iterations),
      [TRAINING_INPUTS.oneMinusBeta2Power]: scalar(1 - ADAM.beta2 ** this.iterations),
    };
    if (this.options.loss.pixelWeights) feeds[TRAINING_INPUTS.pixelWeights] = new Tensor('float32', requiredWeights(batch), [n, size, size]);
    for (const [name, tensor] of this.state) feeds[name] = tensor;
    const fetches: Record<string, Ort.Tensor | null> = { [TRAINING_OUTPUTS.loss]: null };
    for (const [name, tensor] of this.spare) fetches[newName(name)] = tensor;
    if (this.graph.gradients) for (const p of this.graph.trainable) fetches[gradientName(p.name)] = null;
    const out = await this.onnx.session.run(feeds, fetches);
    [this.state, this.spare] = [this.spare, this.state];
    if (this.graph.gradients) {
      this.lastGradients = new Map(this.graph.trainable.map((p) => [variableOf(this.model, p).name, p.toTfjs(out[gradientName(p.name)]!.data as Float32Array)]));
    }
    return (out[TRAINING_OUTPUTS.loss]!.data as Float32Array)[0]!;
  }

  /** Writes the weights and batch-norm statistics back into the tfjs model, in its layouts. */
  async sync(): Promise<void> {
    tf.tidy(() => {
      for (const p of [...this.graph.trainable, ...this.graph.states]) {
        const variable = variableOf(this.model, p);
        variable.write(tf.tensor(p.toTfjs(this.state.get(p.name)!.data as Float32Array), variable.shape as number[]));
      }
    });
  }

  /** tfjs's layout: iterations, then m of every trainable weight in the model's order, then v. */
  async optimizerWeights(): Promise<NamedTensor[]> {
    const byVariable = new Map(this.graph.trainable.map((p) => [variableOf(this.model, p).name, p]));
    const moment = (key: 'm' | 'v') =>
      this.model.trainableWeights.map((w) => {
        const p = byVariable.get(w.name);
        if (!p) throw new Error(`ONNX training: the step graph has no weight ${w.name}`);
        return { name: `${w.name}/${key}`, tensor: tf.tensor(p.toTfjs(this.state.get(momentNames(p.name)[key])!.data as Float32Array), w.shape as number[]) };
      });
    return [{ name: 'iter', tensor: tf.scalar(this.iterations, 'int32') }, ...moment('m'), ...moment('v')];
  }

  async setOptimizerWeights(weights: NamedTensor[]): Promise<void> {
    const [iterations, ...moments] = weights;
    const count = this.model.trainableWeights.length;
    if (moments.length !== 2 * count) throw new Error(`optimizer state lists ${moments.length} moments, the model has ${count} weights`);
    this.iterations = (await iterations!.tensor.data())[0]!;
    const byVariable = new Map(this.graph.trainable.map((p) => [variableOf(this.model, p).name, p]));
    const { Tensor } = this.onnx.ort;
    for (const [k, key] of (['m', 'v'] as const).entries()) {
      for (const [i, w] of this.model.trainableWeights.entries()) {
        const p = byVariable.get(w.name)!;
        const tfjsValues = (await moments[k * count + i]!.tensor.data()) as Float32Array;
        this.state.set(momentNames(p.name)[key], new Tensor('float32', toGraphLayout(p, tfjsValues), p.dims));
      }
    }
  }

  /** Validation on ONNX Runtime too: the exported graph of the weights last synced into the tfjs model. */
  async withPredictor<T>(meta: ModelMeta, use: (predict: TilePredictor) => Promise<T>): Promise<T> {
    const session = await createOnnxSession(exportOnnx(this.model, meta), { provider: this.provider });
    try {
      return await use(onnxPredictor(session));
    } finally {
      await session.session.release();
    }
  }

  dispose(): void {
    void this.onnx.session.release();
  }
}

/** A tfjs-layout array in the parameter's graph layout (toTfjs inverted by position). */
function toGraphLayout(p: Parameter, tfjsValues: Float32Array): Float32Array {
  // toTfjs is a permutation: apply it to the positions 0..n−1 (exact in float32 below 2^24 values) and scatter back.
  const positions = p.toTfjs(Float32Array.from({ length: tfjsValues.length }, (_, i) => i));
  const out = new Float32Array(tfjsValues.length);
  for (let i = 0; i < positions.length; i++) out[positions[i]!] = tfjsValues[i]!;
  return out;
}
