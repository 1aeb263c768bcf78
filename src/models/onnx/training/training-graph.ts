// One training step as one ONNX graph, for ONNX Runtime (which has no training API in JavaScript): the layers'
// training-mode forward pass, the loss of src/training/losses.ts on the logits, reverse-mode gradients layer by
// layer (layer-gradients.ts), and Adam with tfjs's defaults and bias correction. Inputs: the weights, Adam's
// moments, batch-norm moving statistics, a batch of images and labels, the learning rate and Adam's bias terms.
// Outputs: the loss, the batch's confusion counts, and every new weight, moment and statistic. Shapes are static:
// one graph per batch size and patch size.
import * as tf from '@tensorflow/tfjs';
import { OnnxGraphBuilder, type Parameter } from '../graph-builder.ts';
import { inboundValues, type OnnxValue } from '../layer-converters.ts';
import { emitLoss, type LossSpec } from './loss.ts';
import { TRAINING_INPUTS, TRAINING_OUTPUTS } from './names.ts';
import { backwardFor, trainingForward, type Dims, type ForwardRecord, type TrainingGraphBuilder } from './layer-gradients.ts';

export interface TrainingShape {
  batch: number;
  height: number;
  width: number;
  bands: number;
}

/** tfjs's Adam defaults (tf.train.adam: β1 0.9, β2 0.999, ε = the float32 backend's 1e-7). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

export interface TrainingGraph {
  bytes: Uint8Array;
  /** Trainable weights, each fed as `name` with its Adam moments as `name.m`, `name.v`; returned with `.new`. */
  trainable: Parameter[];
  /** Batch-norm moving statistics, fed as `name` and returned as `name.new`. */
  states: Parameter[];
  /** With `gradients`, each trainable weight's gradient is an output too, as `name.grad` (for checks). */
  gradients: boolean;
}

export const newName = (name: string) => `${name}.new`;
export const momentNames = (name: string) => ({ m: `${name}.m`, v: `${name}.v` });
export const gradientName = (name: string) => `${name}.grad`;

class Builder extends OnnxGraphBuilder implements TrainingGraphBuilder {
  readonly parameters = new Map<string, Parameter & { trainable: boolean }>();
  readonly stateUpdates = new Map<string, string>();
  private readonly scalars = new Map<number, string>();
  private trueConstant: string | null = null;

  constructor(private readonly model: tf.LayersModel, readonly seed?: number) {
    super();
  }

  override parameter(spec: Omit<Parameter, 'name'>): string {
    const key = `${spec.layer}/${spec.suffix}`;
    const existing = this.parameters.get(key);
    if (existing) return existing.name;
    const name = this.fresh(key);
    this.parameters.set(key, { ...spec, name, trainable: true });
    return name;
  }

  parameterName(layerName: string, suffix: string): string {
    const key = `${layerName}/${suffix}`;
    const existing = this.parameters.get(key);
    if (existing) return existing.name;
    const layer = this.model.getLayer(layerName);
    const variable = layer.weights.find((w) => w.originalName.endsWith(`/${suffix}`));
    if (!variable) throw new Error(`ONNX training: layer ${layerName} has no "${suffix}" weight`);
    const values = variable.read().dataSync() as Float32Array;
    const name = this.fresh(key);
    this.parameters.set(key, { layer: layerName, suffix, name, dims: variable.shape as number[], values, toTfjs: (v) => v, trainable: variable.trainable });
    return name;
  }

  updateState(layerName: string, suffix: string, value: string): void {
    this.stateUpdates.set(this.parameterName(layerName, suffix), value);
  }

  scalar(value: number): string {
    let name = this.scalars.get(value);
    if (!name) {
      name = this.floats('const', [], new Float32Array([value]));
      this.scalars.set(value, name);
    }
    return name;
  }

  booleanTrue(): string {
    this.trueConstant ??= this.bool('true', true);
    return this.trueConstant;
  }
}

/** tfjs's NHWC output shapes of a layer, as NCHW (or NC) dimensions. */
function nchwShapes(layer: tf.layers.Layer, inputShapes: number[][]): number[][] {
  const nhwc = inputShapes.map((d) => (d.length === 4 ? [d[0]!, d[2]!, d[3]!, d[1]!] : d));
  const out = layer.computeOutputShape(nhwc.length === 1 ? nhwc[0]! : nhwc) as number[] | number[][];
  const list = (Array.isArray(out[0]) ? out : [out]) as number[][];
  return list.map((d) => (d.length === 4 ? [d[0]!, d[3]!, d[1]!, d[2]!] : d));
}

export function buildTrainingGraph(model: tf.LayersModel, shape: TrainingShape, loss: LossSpec, options: { gradients?: boolean; seed?: number } = {}): TrainingGraph {
  const graph = new Builder(model, options.seed);
  for (const name of [...Object.values(TRAINING_INPUTS), ...Object.values(TRAINING_OUTPUTS)]) graph.reserve(name);
  const dims: Dims = new Map([[TRAINING_INPUTS.image, [shape.batch, shape.bands, shape.height, shape.width]]]);
  const outputs = new Map<string, OnnxValue[]>();
  const records: ForwardRecord[] = [];
  const outputLayer = model.outputLayers[0]!;
  if (outputLayer.getClassName() !== 'Softmax') throw new Error(`ONNX training: the model must end in a Softmax layer, not ${outputLayer.getClassName()}`);
  let logits: OnnxValue | null = null;

  for (const layer of model.layers) {
    const inputs = inboundValues(layer, outputs, { name: TRAINING_INPUTS.image, rank: 4 });
    if (layer === outputLayer) {
      logits = inputs[0]!;
      break;
    }
    const config = layer.getConfig() as Record<string, unknown>;
    const saved: Record<string, string> = {};
    const forward = trainingForward(layer);
    const produced = forward({ graph, layer, config, inputs }, saved);
    const shapes = layer.getClassName() === 'InputLayer' ? [dims.get(TRAINING_INPUTS.image)!] : nchwShapes(layer, inputs.map((i) => dims.get(i.name)!));
    produced.forEach((value, i) => {
      if (!dims.has(value.name)) dims.set(value.name, shapes[i]!);
    });
    for (const p of graph.parameters.values()) if (!dims.has(p.name)) dims.set(p.name, p.dims);
    outputs.set(layer.name, produced);
    records.push({ layer, config, inputs, outputs: produced, saved });
  }
  if (!logits) throw new Error('ONNX training: the output layer was never reached');

  const { dLogits } = emitLoss(graph, logits.name, loss);

  // Reverse pass: each value's gradient is the sum over the layers that read it.
  const grads = new Map<string, string>([[logits.name, dLogits]]);
  const accumulate = (value: string, grad: string) => {
    const existing = grads.get(value);
    grads.set(value, existing ? graph.node('Add', [existing, grad], `${value}_grad_sum`)[0]! : grad);
  };
  const weightGrads = new Map<string, string>();
  for (const record of [...records].reverse()) {
    const dOutputs = record.outputs.map((o) => grads.get(o.name) ?? null);
    if (dOutputs.every((d) => d == null)) continue;
    const { dInputs, dWeights } = backwardFor(record.layer)({ graph, record, dims, dOutputs });
    record.inputs.forEach((input, i) => {
      const d = dInputs[i];
      if (d && input.name !== TRAINING_INPUTS.image) accumulate(input.name, d);
    });
    for (const [suffix, grad] of Object.entries(dWeights)) weightGrads.set(graph.parameterName(record.layer.name, suffix), grad);
  }

  // Adam, exactly as tfjs applies it (bias corrections divided, not folded into the learning rate).
  const trainable = [...graph.parameters.values()].filter((p) => p.trainable);
  const states = [...graph.parameters.values()].filter((p) => !p.trainable);
  for (const p of trainable) {
    const grad = weightGrads.get(p.name);
    if (!grad) throw new Error(`ONNX training: no gradient reaches ${p.layer}/${p.suffix}`);
    const { m, v } = momentNames(p.name);
    // The new moments are graph outputs as they are computed: no Identity copies of weight-sized tensors.
    const [mNew, vNew] = [newName(m), newName(v)];
    graph.nodeNamed('Add', [graph.node('Mul', [m, graph.scalar(ADAM.beta1)], `${p.name}_m_decay`)[0]!, graph.node('Mul', [grad, graph.scalar(1 - ADAM.beta1)], `${p.name}_m_grad`)[0]!], [mNew]);
    const gradSq = graph.node('Mul', [grad, grad], `${p.name}_grad_sq`)[0]!;
    graph.nodeNamed('Add', [graph.node('Mul', [v, graph.scalar(ADAM.beta2)], `${p.name}_v_decay`)[0]!, graph.node('Mul', [gradSq, graph.scalar(1 - ADAM.beta2)], `${p.name}_v_grad`)[0]!], [vNew]);
    const mHat = graph.node('Div', [mNew, TRAINING_INPUTS.oneMinusBeta1Power], `${p.name}_m_hat`)[0]!;
    const vHat = graph.node('Div', [vNew, TRAINING_INPUTS.oneMinusBeta2Power], `${p.name}_v_hat`)[0]!;
    const denominator = graph.node('Add', [graph.node('Sqrt', [vHat], `${p.name}_v_sqrt`)[0]!, graph.scalar(ADAM.epsilon)], `${p.name}_denominator`)[0]!;
    const step = graph.node('Mul', [graph.node('Div', [mHat, denominator], `${p.name}_ratio`)[0]!, TRAINING_INPUTS.learningRate], `${p.name}_step`)[0]!;
    graph.nodeNamed('Sub', [p.name, step], [newName(p.name)]);
    if (options.gradients) graph.nodeNamed('Identity', [grad], [gradientName(p.name)]);
  }
  for (const s of states) graph.nodeNamed('Identity', [graph.stateUpdates.get(s.name) ?? s.name], [newName(s.name)]);

  const scalarInput = (name: string) => ({ name, dims: [] });
  const inputs = [
    { name: TRAINING_INPUTS.image, dims: dims.get(TRAINING_INPUTS.image)! },
    { name: TRAINING_INPUTS.labels, dims: [shape.batch, shape.height, shape.width], type: 'int64' as const },
    scalarInput(TRAINING_INPUTS.learningRate),
    scalarInput(TRAINING_INPUTS.oneMinusBeta1Power),
    scalarInput(TRAINING_INPUTS.oneMinusBeta2Power),
    ...(loss.pixelWeights ? [{ name: TRAINING_INPUTS.pixelWeights, dims: [shape.batch, shape.height, shape.width] }] : []),
    ...trainable.flatMap((p) => [p.name, momentNames(p.name).m, momentNames(p.name).v].map((name) => ({ name, dims: p.dims }))),
    ...states.map((p) => ({ name: p.name, dims: p.dims })),
  ];
  const k = loss.numClasses;
  const outputsSpec = [
    { name: TRAINING_OUTPUTS.loss, dims: [] },
    { name: TRAINING_OUTPUTS.confusion, dims: [k * k] },
    ...trainable.flatMap((p) => [p.name, momentNames(p.name).m, momentNames(p.name).v].map((name) => ({ name: newName(name), dims: p.dims }))),
    ...states.map((p) => ({ name: newName(p.name), dims: p.dims })),
    ...trainable.filter(() => options.gradients).map((p) => ({ name: gradientName(p.name), dims: p.dims })),
  ];
  const bytes = graph.encode(`${model.name}_training_step`, inputs, outputsSpec, {}, `TensorFlow.js ${tf.version.tfjs}`);
  return { bytes, trainable, states, gradients: options.gradients === true };
}
