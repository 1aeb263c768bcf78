// anomaly.json, the anomaly model's record: what the maps need (the normalisation, the smoothing σ and the normal
// scale measured on the training images) and how it was trained. Read without TensorFlow.js, so the workbench's
// main thread can check a folder the user picks.
import * as path from 'node:path';
import { InputError } from '../api/errors.ts';
import { readJsonFile } from '../io/json-file.ts';
import type { Normalisation } from '../models/model-dir.ts';
import type { NormalLogError } from './deviation.ts';
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
  /**
   * The log smoothed error's mean and std over the training images, and the deviation maps' SCALE_PERCENTILE-th
   * percentile there (its normal scale). Absent in models trained before the deviation statistic.
   */
  deviation?: NormalLogError & { scale: number };
  training: { steps: number; seconds: number; firstLoss: number; lastLoss: number; endReason: string; trainImages: number; seed: number; trainedAt: string };
}

export async function readAnomalyMeta(dir: string): Promise<AnomalyMeta> {
  const file = path.join(dir, ANOMALY_META);
  const raw = await readJsonFile(file, () => new InputError(dir, `not an anomaly model: ${ANOMALY_META} is missing (segwork anomaly train writes one)`));
  return checkAnomalyMeta(file, raw);
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
  if (m.deviation !== undefined) {
    const d = m.deviation as Record<string, unknown> | null;
    const finite = (key: string) => typeof d?.[key] === 'number' && Number.isFinite(d[key]);
    if (!(finite('mean') && finite('std') && finite('scale') && (d!.std as number) > 0 && (d!.scale as number) > 0)) {
      fail('"deviation" needs a finite "mean" and a positive "std" and "scale"');
    }
  }
  return m as unknown as AnomalyMeta;
}
