// Resumable training state in MODEL_DIR/checkpoint/: the latest weights (a model directory of its own),
// Adam's moments and the loop's counters. Written after every epoch; state.json last, so it never points ahead.
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeAtomic } from '../io/write-atomic.ts';
import type { EpochMetrics } from '../api/types.ts';
import { InputError } from '../io/raster.ts';
import { loadModelDir, saveModelDir, type LoadedModel, type ModelMeta } from '../models/model-dir.ts';
import type { NamedTensor } from './step-engine.ts';

export interface LoopState {
  /** Epochs validated and saved: the last of them may be partial (see partialEpoch). */
  epoch: number;
  /**
   * Set when the last saved epoch stopped early (Ctrl-C, time budget): the steps it ran and their summed loss. A resume
   * continues that epoch at its next step, so it is counted once.
   */
  partialEpoch?: { steps: number; lossSum: number };
  bestMeanIoU: number | null;
  bestEpoch: number;
  elapsedSeconds: number;
  history: EpochMetrics[];
  /** Fingerprint of the options that must not change across a resume. */
  optionsKey: string;
}

const STATE = 'state.json';
const OPTIMIZER = 'optimizer.bin';
const OPTIMIZER_SPEC = 'optimizer.json';

export function checkpointDir(modelDir: string): string {
  return path.join(modelDir, 'checkpoint');
}

export function hasCheckpoint(modelDir: string): boolean {
  return existsSync(path.join(checkpointDir(modelDir), STATE));
}

export async function saveCheckpoint(modelDir: string, model: tf.LayersModel, meta: ModelMeta, weights: NamedTensor[], state: LoopState): Promise<void> {
  const dir = checkpointDir(modelDir);
  await saveModelDir(dir, model, meta, { onnx: false });
  // Optimizer slots (tfjs Adam's layout, whichever engine trained) are saved by position: a model of the same
  // architecture lists its variables in the same order.
  const specs = weights.map((w) => ({ shape: w.tensor.shape }));
  const arrays = await Promise.all(weights.map((w) => w.tensor.data() as Promise<Float32Array>));
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const bytes = new Float32Array(total);
  let offset = 0;
  for (const a of arrays) {
    bytes.set(a, offset);
    offset += a.length;
  }
  await writeAtomic(path.join(dir, OPTIMIZER), new Uint8Array(bytes.buffer));
  await writeAtomic(path.join(dir, OPTIMIZER_SPEC), JSON.stringify(specs));
  await writeAtomic(path.join(dir, STATE), JSON.stringify(state, null, 2));
}

export async function loadCheckpoint(modelDir: string): Promise<{ loaded: LoadedModel; state: LoopState; optimizerWeights: { name: string; tensor: tf.Tensor }[] }> {
  const dir = checkpointDir(modelDir);
  const stateFile = path.join(dir, STATE);
  let state: LoopState;
  try {
    state = JSON.parse(await fs.readFile(stateFile, 'utf8'));
  } catch (e) {
    throw new InputError(stateFile, `cannot resume: ${(e as Error).message}`);
  }
  const loaded = await loadModelDir(dir);
  const specs: { shape: number[] }[] = JSON.parse(await fs.readFile(path.join(dir, OPTIMIZER_SPEC), 'utf8'));
  const buffer = await fs.readFile(path.join(dir, OPTIMIZER));
  const values = new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
  let offset = 0;
  const optimizerWeights = specs.map((spec, i) => {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const tensor = tf.tensor(values.subarray(offset, offset + size), spec.shape);
    offset += size;
    return { name: `slot_${i}`, tensor };
  });
  if (offset !== values.length) throw new InputError(path.join(dir, OPTIMIZER), 'size does not match optimizer.json');
  return { loaded, state, optimizerWeights };
}
