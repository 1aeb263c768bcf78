// The anomaly model's directory: the autoencoder as one reconstruction network (model.json + weights.bin, as a
// segmentation model stores its network) beside anomaly.json (meta.ts), which is written last.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { InputError } from '../api/errors.ts';
import { readLayersFiles, writeLayersFiles } from '../models/model-dir.ts';
import { writeAtomic } from '../io/write-atomic.ts';
import { ANOMALY_META, readAnomalyMeta, type AnomalyMeta } from './meta.ts';

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
  const meta = await readAnomalyMeta(dir);
  const reconstruction = await readLayersFiles(dir);
  const channels = reconstruction.outputs[0]!.shape.at(-1);
  if (channels !== meta.inputChannels) {
    reconstruction.dispose();
    throw new InputError(dir, `the network reconstructs ${channels} band(s), ${ANOMALY_META} says ${meta.inputChannels}`);
  }
  return { reconstruction, meta, dir };
}
