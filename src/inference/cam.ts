// Grad-CAM for segmentation (Selvaraju et al. 2017, extended to dense outputs): the gradient of a class's
// pre-softmax logits, summed over a region, with respect to a chosen layer's activations A. Channel weights
// are the spatially averaged gradients; the map is ReLU(Σ_k w_k A_k), bilinearly up-sampled and scaled to 0..1.
//
// Skip connections mean the network cannot be cut in two at the chosen layer, so the model's own graph is
// replayed node by node (in the order tfjs runs it): one forward pass records every tensor, then only the
// nodes downstream of the layer are re-run inside tf.grad with the layer's output as the variable.
// Large images go through the tiler's tiles; the gradient of the summed logits is additive over the pixels
// each tile owns, so channel weights are summed over tiles before any map is drawn (two passes).
import * as tf from '@tensorflow/tfjs';
import type { CamStage } from '../api/service.ts';
import type { Normalisation } from '../models/model-dir.ts';
import { DEFAULT_TILE_OPTIONS, planTiles, type PixelSource, type TileOptions } from './tiler.ts';

type GraphNode = tf.LayersModel['nodesByDepth'][string][number];
type Layer = GraphNode['outboundLayer'];
/** Layers with a built-in activation (conv, dense, Activation) expose it as a property; swapping it is how the head's softmax is skipped. */
type WithActivation = { activation?: { getClassName(): string } | null };

export interface CamRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CamOptions {
  classIndex: number;
  /** Layer name; by default the architecture's deepest encoder stage (pass arch.defaultCamLayer). */
  layer: string;
  /**
   * Rectangle in image pixels whose logits are summed. When neither region nor mask is given, the pixels
   * the model assigns to the class are used (as Seg-Grad-CAM does): summing over the whole image would let
   * the far more numerous other pixels decide what the map shows.
   */
  region?: CamRegion;
  /** Image-sized mask (row-major, non-zero = inside) whose logits are summed. */
  regionMask?: Uint8Array;
}

export interface CamResult {
  width: number;
  height: number;
  /** Row-major heatmap, 0..1 (all 0 when no location argues for the class). */
  heatmap: Float32Array;
  layer: string;
  /** The chosen layer's spatial size for the first tile, e.g. [16, 16] for a 256 tile at stride 16. */
  layerSize: [number, number];
  /** Pixels whose logits were summed; 0 means the heatmap is empty (e.g. the class is predicted nowhere). */
  regionPixels: number;
}

/** Names of layers whose output is a spatial map [batch, h, w, channels]: what CAM can use. */
export function camLayerCandidates(model: tf.LayersModel): string[] {
  return model.layers
    .filter((l) => l.getClassName() !== 'InputLayer' && outputRank(l) === 4)
    .map((l) => l.name);
}

/**
 * What a stage is called, from the first part of its layers' names, which every architecture shares (enc1_…,
 * bottom_…, dec1_…, stem_…, s1_…, aspp_…, decoder_…). Layers of no named stage (size checks, heads) are not offered.
 */
const STAGE_NAMES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^enc(\d+)$/, (m) => `encoder stage ${m[1]}`],
  [/^bottom$/, () => 'bottleneck'],
  [/^dec(\d+)$/, (m) => `decoder stage ${m[1]}`],
  [/^stem$/, () => 'stem'],
  [/^s(\d+)$/, (m) => `backbone stage ${m[1]}`],
  [/^aspp$/, () => 'ASPP'],
  [/^decoder$/, () => 'decoder'],
];

/**
 * The meaningful places to look, in the order the network runs them: each named stage's output, its last spatial
 * layer. Pooling is not a stage's output (the skip connection leaves before it, and the gradient should see both),
 * nor is dropout (the identity when predicting).
 */
export function camStages(model: tf.LayersModel): CamStage[] {
  const last = new Map<string, string>();
  for (const layer of model.layers) {
    if (/Pool|Dropout/.test(layer.getClassName()) || outputRank(layer) !== 4) continue;
    const prefix = layer.name.split('_')[0]!;
    if (last.has(prefix)) last.delete(prefix); // re-inserted, so the map keeps the order in which stages end
    last.set(prefix, layer.name);
  }
  const stages: CamStage[] = [];
  for (const [prefix, layer] of last) {
    for (const [pattern, name] of STAGE_NAMES) {
      const match = pattern.exec(prefix);
      if (match) stages.push({ name: name(match), layer });
    }
  }
  return stages;
}

function outputRank(layer: Layer): number {
  try {
    const shape = layer.outputShape;
    return Array.isArray(shape[0]) || shape[0] === undefined ? -1 : shape.length;
  } catch {
    return -1; // a layer used more than once has no single output shape
  }
}

function findLayer(model: tf.LayersModel, name: string): Layer {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer || outputRank(layer) !== 4) {
    throw new Error(`CAM layer "${name}" ${layer ? 'has no spatial output' : 'is not in the model'}: choose one of ${camLayerCandidates(model).join(', ')}`);
  }
  return layer;
}

/** The model's nodes in execution order (deepest first, as Container.runInternalGraph runs them). */
function executionOrder(model: tf.LayersModel): GraphNode[] {
  return Object.keys(model.nodesByDepth)
    .map(Number)
    .sort((a, b) => b - a)
    .flatMap((depth) => model.nodesByDepth[depth]!)
    .filter((node) => node.outboundLayer.getClassName() !== 'InputLayer');
}

/** How to reach logits: the head's softmax/sigmoid is either its own layer (skip it) or fused into the last layer (swap it for linear). */
function logitsPlan(model: tf.LayersModel, nodes: GraphNode[]): { outputNode: GraphNode; swapActivation: boolean; identity: boolean } {
  if (model.outputs.length !== 1) throw new Error(`CAM needs a model with one output, this one has ${model.outputs.length}`);
  const outputId = model.outputs[0]!.id;
  const outputNode = nodes.find((n) => n.outputTensors.some((t) => t.id === outputId));
  if (!outputNode) throw new Error('CAM: the model output is not produced by any layer');
  const layer = outputNode.outboundLayer;
  const squash = new Set(['softmax', 'sigmoid']);
  if (layer.getClassName() === 'Softmax') return { outputNode, swapActivation: false, identity: true };
  const act = (layer as unknown as WithActivation).activation;
  return { outputNode, swapActivation: act != null && squash.has(act.getClassName()), identity: false };
}

let linearActivation: WithActivation['activation'] = null;
function linear(): NonNullable<WithActivation['activation']> {
  // A real tfjs Linear activation object, borrowed from a throwaway Activation layer (no internal imports).
  linearActivation ??= (tf.layers.activation({ activation: 'linear' }) as unknown as WithActivation).activation!;
  return linearActivation;
}

function runNode(node: GraphNode, values: Map<number, tf.Tensor>, asLogits: boolean, plan: ReturnType<typeof logitsPlan>): void {
  const inputs = node.inputTensors.map((t) => {
    const v = values.get(t.id);
    if (!v) throw new Error(`CAM: layer "${node.outboundLayer.name}" needs a tensor that was not computed`);
    return v;
  });
  const layer = node.outboundLayer;
  let outputs: tf.Tensor | tf.Tensor[];
  if (asLogits && node === plan.outputNode && plan.identity) {
    outputs = inputs[0]!;
  } else {
    const kwargs = { ...(node.callArgs ?? {}), training: false };
    const holder = layer as unknown as WithActivation;
    const saved = holder.activation;
    if (asLogits && node === plan.outputNode && plan.swapActivation) holder.activation = linear();
    try {
      outputs = layer.call(inputs.length === 1 ? inputs[0]! : inputs, kwargs);
    } finally {
      holder.activation = saved;
    }
  }
  const list = Array.isArray(outputs) ? outputs : [outputs];
  node.outputTensors.forEach((t, i) => values.set(t.id, list[i]!));
}

/** A model prepared for CAM at one layer: the replay plan is worked out once and reused for every tile. */
export class CamGraph {
  readonly layer: string;
  private readonly nodes: GraphNode[];
  private readonly downstream: GraphNode[];
  private readonly downstreamSet: Set<GraphNode>;
  private readonly targetId: number;
  private readonly plan: ReturnType<typeof logitsPlan>;

  constructor(readonly model: tf.LayersModel, layerName: string) {
    const layer = findLayer(model, layerName);
    this.layer = layerName;
    this.nodes = executionOrder(model);
    const targetNodes = this.nodes.filter((n) => n.outboundLayer === layer);
    if (targetNodes.length !== 1) throw new Error(`CAM layer "${layerName}" is used ${targetNodes.length} times in the model; choose a layer used once`);
    this.targetId = targetNodes[0]!.outputTensors[0]!.id;
    this.plan = logitsPlan(model, this.nodes);
    // Nodes fed (directly or not) by the target are replayed under tf.grad; the rest are constants.
    const tainted = new Set<number>([this.targetId]);
    const targetIndex = this.nodes.indexOf(targetNodes[0]!);
    this.downstream = [];
    this.nodes.forEach((node, i) => {
      if (i > targetIndex && node.inputTensors.some((t) => tainted.has(t.id))) {
        this.downstream.push(node);
        node.outputTensors.forEach((t) => tainted.add(t.id));
      }
    });
    this.downstreamSet = new Set(this.downstream);
  }

  /** The layer's activations for a batch of normalised images (forward pass up to the layer only). */
  activations(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const values = this.seed(x);
      for (const node of this.nodes) {
        runNode(node, values, false, this.plan);
        if (values.has(this.targetId)) break;
      }
      return values.get(this.targetId)! as tf.Tensor4D;
    });
  }

  /**
   * Activations A [1, h, w, k] of the layer and the gradient dF/dA, where F = Σ over pixels of
   * weight[pixel] · logit[pixel, classIndex] and weight is [1, H, W, 1] at the model's output size.
   * With `onlyPredicted`, the weight is also zeroed where the model does not predict the class.
   */
  activationsAndGradient(
    x: tf.Tensor4D,
    classIndex: number,
    weight: tf.Tensor4D,
    onlyPredicted: boolean,
  ): { activations: tf.Tensor4D; gradient: tf.Tensor4D; regionPixels: number } {
    if (this.downstream.length === 0) throw new Error(`CAM layer "${this.layer}" is the model output; choose an inner layer`);
    let regionPixels = 0;
    const [activations, gradient] = tf.tidy(() => {
      const values = this.seed(x);
      // Forward through everything that does not depend on the layer, plus the layer itself.
      for (const node of this.nodes) {
        if (this.downstreamSet.has(node)) continue;
        runNode(node, values, false, this.plan);
      }
      const a = values.get(this.targetId)! as tf.Tensor4D;
      const outputId = this.model.outputs[0]!.id;
      const target = (act: tf.Tensor): tf.Scalar => {
        const local = new Map(values);
        local.set(this.targetId, act);
        for (const node of this.downstream) runNode(node, local, true, this.plan);
        const logits = local.get(outputId)! as tf.Tensor4D;
        const numClasses = logits.shape[3];
        if (classIndex < 0 || classIndex >= numClasses) throw new Error(`CAM class ${classIndex} is out of range: the model has ${numClasses} classes (0..${numClasses - 1})`);
        if (logits.shape[1] !== weight.shape[1] || logits.shape[2] !== weight.shape[2]) {
          throw new Error(`CAM: the model output is ${logits.shape[1]}×${logits.shape[2]} but the input tile is ${weight.shape[1]}×${weight.shape[2]}`);
        }
        let w = weight;
        if (onlyPredicted) {
          // Read back and rebuilt, so the mask is a constant for tf.grad (argmax has no useful gradient).
          const predicted = tf.tensor4d(tf.cast(tf.equal(tf.argMax(logits, 3), classIndex), 'float32').dataSync(), weight.shape);
          w = tf.mul(weight, predicted);
        }
        regionPixels = tf.sum(w).dataSync()[0]!;
        const classLogits = tf.slice(logits, [0, 0, 0, classIndex], [-1, -1, -1, 1]);
        return tf.sum(tf.mul(classLogits, w)) as tf.Scalar;
      };
      return [a, tf.grad(target)(a) as tf.Tensor4D];
    });
    return { activations, gradient, regionPixels };
  }

  private seed(x: tf.Tensor4D): Map<number, tf.Tensor> {
    if (this.model.inputs.length !== 1) throw new Error(`CAM needs a model with one input, this one has ${this.model.inputs.length}`);
    return new Map<number, tf.Tensor>([[this.model.inputs[0]!.id, x]]);
  }
}

/** Row-major region weight for the image: 1 inside the rectangle or mask, 0 outside; null when neither is given. */
function regionWeights(width: number, height: number, options: CamOptions): Uint8Array | null {
  if (options.regionMask) {
    if (options.regionMask.length !== width * height) throw new Error(`CAM region mask has ${options.regionMask.length} pixels, the image ${width}×${height}`);
    return options.regionMask;
  }
  if (!options.region) return null;
  const { x, y, width: w, height: h } = options.region;
  if (![x, y, w, h].every(Number.isInteger) || w < 1 || h < 1 || x < 0 || y < 0 || x + w > width || y + h > height) {
    throw new Error(`CAM region ${x},${y},${w},${h} must be whole pixels inside the ${width}×${height} image`);
  }
  const mask = new Uint8Array(width * height);
  for (let row = y; row < y + h; row++) mask.fill(1, row * width + x, row * width + x + w);
  return mask;
}

/** Splits [0, length) among tiles at `origins` (each `size` long): boundaries halfway between tile centres. */
function ownedSpans(origins: number[], size: number, length: number): [number, number][] {
  return origins.map((o, i) => {
    const start = i === 0 ? 0 : Math.ceil((origins[i - 1]! + o + size) / 2);
    const end = i === origins.length - 1 ? length : Math.ceil((o + origins[i + 1]! + size) / 2);
    return [start, end];
  });
}

/** A normalised [1, tileH, tileW, bands] window of the image at (x, y), zero (the band mean) past its edges. */
export async function readTile(source: PixelSource, norm: Normalisation, x: number, y: number, tileW: number, tileH: number): Promise<tf.Tensor4D> {
  const { bands } = source;
  const w = Math.min(tileW, source.width - x);
  const h = Math.min(tileH, source.height - y);
  const values = await source.readWindow(x, y, w, h);
  // Outside the image stays 0, the band mean after normalisation (as the tiler pads).
  const out = new Float32Array(tileW * tileH * bands);
  for (let row = 0; row < h; row++) {
    for (let col = 0; col < w; col++) {
      for (let b = 0; b < bands; b++) {
        out[(row * tileW + col) * bands + b] = (values[(row * w + col) * bands + b]! - norm.mean[b]!) / norm.std[b]!;
      }
    }
  }
  return tf.tensor4d(out, [1, tileH, tileW, bands]);
}

/**
 * Grad-CAM of one image of any size. `sizeMultiple` is the architecture's (tiles are rounded to it);
 * `tiles` defaults to the tiler's 512 px with 50% overlap, so images up to 512 px are one pass.
 */
export async function computeCam(
  model: tf.LayersModel,
  source: PixelSource,
  norm: Normalisation,
  sizeMultiple: number,
  options: CamOptions,
  tiles: TileOptions = DEFAULT_TILE_OPTIONS,
): Promise<CamResult> {
  const graph = new CamGraph(model, options.layer);
  const { width, height } = source;
  const region = regionWeights(width, height, options);
  const { tileW, tileH, xs, ys } = planTiles(width, height, tiles, sizeMultiple);
  const spansX = ownedSpans(xs, tileW, width);
  const spansY = ownedSpans(ys, tileH, height);

  // Pass 1: channel weights = Σ over tiles of the gradient summed over positions (the mean's 1/N does not change the map after scaling).
  let channelWeights: tf.Tensor1D | null = null;
  let cached: tf.Tensor4D | null = null; // a single tile's activations, to skip pass 2
  let layerSize: [number, number] = [0, 0];
  let regionPixels = 0;
  for (let iy = 0; iy < ys.length; iy++) {
    for (let ix = 0; ix < xs.length; ix++) {
      const x = await readTile(source, norm, xs[ix]!, ys[iy]!, tileW, tileH);
      const weight = tileWeight(region, width, xs[ix]!, ys[iy]!, tileW, tileH, spansX[ix]!, spansY[iy]!);
      const { activations, gradient, regionPixels: tilePixels } = graph.activationsAndGradient(x, options.classIndex, weight, region === null);
      regionPixels += tilePixels;
      layerSize = [activations.shape[1], activations.shape[2]];
      const sum = tf.tidy(() => (channelWeights ? tf.add(channelWeights, tf.sum(gradient, [0, 1, 2])) : tf.sum(gradient, [0, 1, 2])) as tf.Tensor1D);
      channelWeights?.dispose();
      channelWeights = sum;
      tf.dispose([x, weight, gradient]);
      if (xs.length * ys.length === 1) cached = activations;
      else activations.dispose();
    }
  }

  // Pass 2: each tile's map from its activations, up-sampled, written where the tile owns the pixels.
  const heatmap = new Float32Array(width * height);
  for (let iy = 0; iy < ys.length; iy++) {
    for (let ix = 0; ix < xs.length; ix++) {
      let activations = cached;
      if (!activations) {
        const x = await readTile(source, norm, xs[ix]!, ys[iy]!, tileW, tileH);
        activations = graph.activations(x);
        x.dispose();
      }
      const tileMap = tf.tidy(() => {
        const cam = tf.relu(tf.sum(tf.mul(activations!, channelWeights!), 3, true)) as tf.Tensor4D;
        return tf.image.resizeBilinear(cam, [tileH, tileW], false, true);
      });
      activations.dispose();
      const values = (await tileMap.data()) as Float32Array;
      tileMap.dispose();
      const [x0, x1] = spansX[ix]!;
      const [y0, y1] = spansY[iy]!;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) heatmap[y * width + x] = values[(y - ys[iy]!) * tileW + (x - xs[ix]!)]!;
      }
    }
  }
  (channelWeights as tf.Tensor1D | null)?.dispose();

  let max = 0;
  for (let i = 0; i < heatmap.length; i++) if (heatmap[i]! > max) max = heatmap[i]!;
  if (max > 0) for (let i = 0; i < heatmap.length; i++) heatmap[i]! /= max;
  return { width, height, heatmap, layer: graph.layer, layerSize, regionPixels };
}

/** The tile's share of the region: region weight on the pixels the tile owns, 0 elsewhere and on padding. */
function tileWeight(
  region: Uint8Array | null,
  width: number,
  tx: number,
  ty: number,
  tileW: number,
  tileH: number,
  [x0, x1]: [number, number],
  [y0, y1]: [number, number],
): tf.Tensor4D {
  const w = new Float32Array(tileW * tileH);
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) w[(y - ty) * tileW + (x - tx)] = region ? (region[y * width + x] ? 1 : 0) : 1;
  }
  return tf.tensor4d(w, [1, tileH, tileW, 1]);
}

/** Heatmap 0..1 → bytes 0..255 (the API's CamPayload and the PNG writer use this). */
export function heatmapToBytes(heatmap: Float32Array): Uint8Array {
  const out = new Uint8Array(heatmap.length);
  for (let i = 0; i < heatmap.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, heatmap[i]!)) * 255);
  return out;
}
