// The anomaly model's directory: the autoencoder as one reconstruction network (model.json + weights.bin, as a
// segmentation model stores its network) and anomaly.json, with what the maps need: the normalisation, the
// smoothing σ and the normal scale measured on the training images. anomaly.json is written last.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { InputError } from '../api/errors.ts';
import { readLayersFiles, writeLayersFiles, type Normalisation } from '../models/model-dir.ts';
import { writeAtomic } from '../io/write-atomic.ts';
import { ANOMALY_OBJECTIVES, type AnomalyObjective } from './settings.ts';

export const ANOMALY_FORMAT = 'segwork-anomaly-model';
export const ANOMALY_META = 'anomaly.json';

export interface AnomalyMeta {
  format: typeof ANOMALY_FORMAT;
  formatVersion: 1;
  /** The encoder's architecture and resolved config (its size multiple sets the tiles). */
  architecture: string;
  config: Record<string, unknown> & { inputChannels: number; numClasses: number };
  inputChannels: number;
  normalisation: Normalisation;
  objective: AnomalyObjective;
  /** The KL weight (variational only). */
  beta: number;
  /** The smoothing σ in pixels that the normal scale was measured with. */
  sigma: number;
  /** The SCALE_PERCENTILE-th percentile of the smoothed maps over the training images. */
  normalScale: number;
  training: { steps: number; seconds: number; firstLoss: number; lastLoss: number; endReason: string; trainImages: number; seed: number; trainedAt: string };
}

export interface AnomalyModel {
  /** Normalised image [n, h, w, bands] → its reconstruction (variational: decoded from the code's mean). */
  reconstruction: tf.LayersModel;
  meta: AnomalyMeta;
  dir: string;
}

export async function saveAnomalyModel(dir: string, reconstruction: tf.LayersModel, meta: AnomalyMeta): Promise<void> {
  const target = path.resolve(dir);
  try {
    await fs.mkdir(target, { recursive: true });
  } catch (e) {
    throw new InputError(target, `cannot create the model folder (${(e as Error).message})`);
  }
  await writeLayersFiles(target, reconstruction);
  await writeAtomic(path.join(target, ANOMALY_META), JSON.stringify(meta, null, 2) + '\n');
}

export async function loadAnomalyModel(dir: string): Promise<AnomalyModel> {
  const file = path.join(dir, ANOMALY_META);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    throw new InputError(dir, `not an anomaly model: ${ANOMALY_META} is missing (segwork anomaly train writes one)`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `corrupt JSON (${(e as Error).message})`);
  }
  const meta = checkAnomalyMeta(file, raw);
  const reconstruction = await readLayersFiles(dir);
  const channels = reconstruction.outputs[0]!.shape.at(-1);
  if (channels !== meta.inputChannels) {
    reconstruction.dispose();
    throw new InputError(dir, `the network reconstructs ${channels} band(s), ${ANOMALY_META} says ${meta.inputChannels}`);
  }
  return { reconstruction, meta, dir };
}

/** Names the first field of anomaly.json that is missing or wrong. */
function checkAnomalyMeta(file: string, raw: unknown): AnomalyMeta {
  const fail = (what: string): never => {
    throw new InputError(file, what);
  };
  const m = (typeof raw === 'object' && raw !== null ? raw : fail('expected a JSON object')) as Record<string, unknown>;
  if (m.format !== ANOMALY_FORMAT) fail(`"format" must be "${ANOMALY_FORMAT}"`);
  if (m.formatVersion !== 1) fail(`"formatVersion" ${String(m.formatVersion)} is not 1 (made by another Segwork?)`);
  if (typeof m.architecture !== 'string' || typeof m.config !== 'object' || m.config === null) fail('"architecture" and "config" are required');
  if (!Number.isInteger(m.inputChannels) || (m.inputChannels as number) < 1) fail('"inputChannels" must be a positive integer');
  const norm = m.normalisation as Normalisation | undefined;
  if (!norm || !Array.isArray(norm.mean) || !Array.isArray(norm.std) || norm.mean.length !== m.inputChannels || norm.std.length !== m.inputChannels) {
    fail(`"normalisation" needs "mean" and "std" with ${String(m.inputChannels)} values each`);
  }
  if (!ANOMALY_OBJECTIVES.includes(m.objective as AnomalyObjective)) fail(`"objective" must be one of ${ANOMALY_OBJECTIVES.join(', ')}`);
  for (const key of ['beta', 'sigma']) if (!(typeof m[key] === 'number' && (m[key] as number) >= 0)) fail(`"${key}" must be a number ≥ 0`);
  if (!(typeof m.normalScale === 'number' && m.normalScale > 0 && Number.isFinite(m.normalScale))) fail('"normalScale" must be a positive number');
  return m as unknown as AnomalyMeta;
}
