// The model directory: tfjs layers `model.json` + `weights.bin`, and `segwork.json` with everything needed
// to use the model again (architecture, config, classes, normalisation), and `model.onnx`, the same network for
// ONNX Runtime. Each file is written to a temp file, then renamed.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ClassDef } from '../api/types.ts';
import { InputError } from '../io/raster.ts';
import { causeText } from '../io/error-text.ts';
import { readJsonFile } from '../io/json-file.ts';
import { writeAtomic } from '../io/write-atomic.ts';
import './index.ts';
import { exportOnnx } from './onnx/export.ts';
import { getArchitecture } from './registry.ts';
import { checkTopology } from './topology-check.ts';

export const MODEL_FORMAT = 'segwork-model';
export const MODEL_FORMAT_VERSION = 1;

export interface Normalisation {
  /** Per input band: value' = (value - mean) / std. */
  mean: number[];
  std: number[];
}

export interface TrainingSummary {
  epochs: number;
  bestMeanIoU: number | null;
  seconds: number;
  backend: string;
  patchSize: number;
  endReason: string;
  trainedAt: string;
  trainImages: number;
  valImages: number;
}

export interface ModelMeta {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  architecture: string;
  config: Record<string, unknown> & { inputChannels: number; numClasses: number };
  classes: ClassDef[];
  inputChannels: number;
  /** 2.5D: neighbour slices on each side stacked as bands (see io/slice-stack.ts); absent or 0 for 2D. */
  sliceContext?: number;
  normalisation: Normalisation;
  /** How raw mask values map to classes, so eval can read the same masks without flags. */
  labelValues?: number[];
  ignoreValue?: number;
  /** The same for colour-coded masks: "#rrggbb" of class k, and colours meaning unlabeled. */
  labelColors?: string[];
  ignoreColors?: string[];
  training?: TrainingSummary;
}

export interface LoadedModel {
  model: tf.LayersModel;
  meta: ModelMeta;
  dir: string;
}

const MODEL_JSON = 'model.json';
export const WEIGHTS = 'weights.bin';
/** The same network as an ONNX graph, for ONNX Runtime and other tools (QGIS Deepness). */
export const ONNX_FILE = 'model.onnx';
export const META = 'segwork.json';

/** SHA-256 of the weights file's bytes: model.onnx records it, so a stale graph is recognised. */
export function weightsDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes the model directory; `onnx: false` leaves out model.onnx (training checkpoints, which only tfjs resumes). */
export async function saveModelDir(dir: string, model: tf.LayersModel, meta: ModelMeta, options: { onnx?: boolean } = {}): Promise<void> {
  const target = path.resolve(dir);
  try {
    await fs.mkdir(target, { recursive: true });
  } catch (e) {
    throw new InputError(target, `cannot create the model folder (${(e as Error).message})`);
  }
  // Each file is replaced atomically; segwork.json goes last, so a reader never sees a new summary over old weights.
  const bytes = await writeLayersFiles(target, model);
  if (options.onnx !== false) await writeAtomic(path.join(target, ONNX_FILE), exportOnnx(model, meta, { weightsDigest: weightsDigest(bytes) }));
  await writeAtomic(path.join(target, META), JSON.stringify(meta, null, 2) + '\n');
}

/**
 * Writes a layers model as model.json + weights.bin into the existing folder `target`, each file atomically, the
 * weights first; returns the weights' bytes. The caller writes its own summary file last.
 */
export async function writeLayersFiles(target: string, model: tf.LayersModel): Promise<Uint8Array> {
  let written: Uint8Array = new Uint8Array(0);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weightData = artifacts.weightData;
      const bytes = weightData instanceof ArrayBuffer ? new Uint8Array(weightData) : concatBuffers(weightData ?? []);
      const modelJson = {
        format: 'layers-model',
        generatedBy: `segwork (TensorFlow.js ${tf.version.tfjs})`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeAtomic(path.join(target, WEIGHTS), bytes);
      await writeAtomic(path.join(target, MODEL_JSON), JSON.stringify(modelJson));
      written = bytes;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength } };
    }),
  );
  return written;
}

function concatBuffers(buffers: ArrayBuffer[]): Uint8Array {
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

export async function readModelMeta(dir: string): Promise<ModelMeta> {
  const file = path.join(dir, META);
  const raw = await readJsonFile(file, () => new InputError(dir, existsSync(dir) ? `not a Segwork model directory: ${META} is missing` : 'model directory does not exist'));
  return checkMeta(file, raw);
}

/** Checks every field of segwork.json and names the first one that is missing or wrong. */
export function checkMeta(file: string, raw: unknown): ModelMeta {
  const fail = (what: string): never => {
    throw new InputError(file, what);
  };
  if (typeof raw !== 'object' || raw === null) fail('expected a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.format !== MODEL_FORMAT) fail(`"format" must be "${MODEL_FORMAT}"`);
  if (typeof m.formatVersion !== 'number') fail('"formatVersion" is missing');
  if ((m.formatVersion as number) > MODEL_FORMAT_VERSION) fail(`made by a newer Segwork (format version ${m.formatVersion as number})`);
  if (typeof m.architecture !== 'string') fail('"architecture" is missing');
  try {
    getArchitecture(m.architecture as string);
  } catch (e) {
    fail((e as Error).message);
  }
  if (typeof m.config !== 'object' || m.config === null) fail('"config" is missing');
  if (!Array.isArray(m.classes) || m.classes.length < 2) fail('"classes" must list at least two classes');
  (m.classes as unknown[]).forEach((c, i) => {
    const k = c as Record<string, unknown>;
    if (k?.index !== i || typeof k.name !== 'string' || typeof k.color !== 'string') fail(`"classes[${i}]" needs index ${i}, name and color`);
  });
  if (!Number.isInteger(m.inputChannels) || (m.inputChannels as number) < 1) fail('"inputChannels" must be a positive integer');
  const norm = m.normalisation as Record<string, unknown> | undefined;
  const bands = m.inputChannels as number;
  if (!norm || !Array.isArray(norm.mean) || !Array.isArray(norm.std) || norm.mean.length !== bands || norm.std.length !== bands) {
    fail(`"normalisation" needs "mean" and "std" with ${bands} values each`);
  }
  const config = m.config as Record<string, unknown>;
  // The damaged values themselves stay out of these messages: a deeply nested list would overflow the stack.
  if (config.numClasses !== (m.classes as unknown[]).length) fail(`"config.numClasses" differs from the ${(m.classes as unknown[]).length} classes`);
  if (config.inputChannels !== bands) fail(`"config.inputChannels" differs from "inputChannels" (${bands})`);
  try {
    // The architecture's own ranges: a damaged depth would otherwise build a network of any size. Defaults stand
    // in for fields added after the model was saved.
    const arch = getArchitecture(m.architecture as string);
    arch.validate({ ...arch.defaults, ...config });
  } catch (e) {
    fail(`"config": ${(e as Error).message}`);
  }
  return m as unknown as ModelMeta;
}

export async function loadModelDir(dir: string): Promise<LoadedModel> {
  const meta = await readModelMeta(dir);
  const model = await readLayersFiles(dir);
  const outChannels = (model.outputs[0]!.shape.at(-1) as number) ?? 0;
  if (outChannels !== meta.classes.length) {
    model.dispose();
    throw new InputError(dir, `class count mismatch: the network outputs ${outChannels} classes, ${META} lists ${meta.classes.length}`);
  }
  return { model, meta, dir };
}

/** Reads model.json + weights.bin from `dir` into a layers model, naming the file and what is wrong when they are damaged. */
export async function readLayersFiles(dir: string): Promise<tf.LayersModel> {
  const jsonFile = path.join(dir, MODEL_JSON);
  const weightsFile = path.join(dir, WEIGHTS);
  let modelJson: { modelTopology?: unknown; weightsManifest?: { weights: tf.io.WeightsManifestEntry[] }[] };
  try {
    modelJson = JSON.parse(await fs.readFile(jsonFile, 'utf8'));
  } catch (e) {
    throw new InputError(jsonFile, existsSync(jsonFile) ? `corrupt model topology (${(e as Error).message})` : 'missing');
  }
  if (typeof modelJson !== 'object' || modelJson === null || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) throw new InputError(jsonFile, 'no modelTopology or weightsManifest');
  checkTopology(jsonFile, modelJson.modelTopology);
  let weights: Buffer;
  try {
    weights = await fs.readFile(weightsFile);
  } catch {
    throw new InputError(weightsFile, 'missing');
  }
  const weightSpecs = modelJson.weightsManifest.flatMap((g) => g?.weights ?? []);
  // A damaged manifest would otherwise overflow tfjs's stack or allocate whatever its shapes multiply to.
  // Segwork writes float32 weights only, so the byte count below is 4 per value.
  const badSpec = weightSpecs.findIndex(
    (s) => !(Array.isArray(s?.shape) && s.shape.every((d) => Number.isSafeInteger(d) && d >= 0) && typeof s.name === 'string' && s.dtype === 'float32'),
  );
  if (badSpec >= 0) throw new InputError(jsonFile, `weightsManifest entry ${badSpec} needs a name, a shape of whole non-negative numbers and the float32 type`);
  const expected = weightSpecs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * 4, 0);
  if (weights.byteLength !== expected) {
    throw new InputError(weightsFile, `truncated or corrupt: ${weights.byteLength} bytes, the manifest needs ${expected}`);
  }
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology as object, weightSpecs, weightData }));
  } catch (e) {
    throw new InputError(jsonFile, `cannot build the model (${causeText(e)})`);
  }
  return model;
}
