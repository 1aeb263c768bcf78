// Reading a model's ONNX graph: from a model directory (regenerated from the tfjs weights when model.onnx is
// missing, corrupt or stale, so no prediction ever runs on old weights) or from a bare .onnx file that carries
// Segwork's metadata.
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { InputError } from '../../io/raster.ts';
import { writeAtomic } from '../../io/write-atomic.ts';
import { checkMeta, loadModelDir, ONNX_FILE, readModelMeta, WEIGHTS, weightsDigest, type ModelMeta } from '../model-dir.ts';
import { exportOnnx } from './export.ts';
import { readOnnxMetadata } from './graph-builder.ts';
import { SEGWORK_META_KEY, WEIGHTS_DIGEST_KEY } from './metadata.ts';

export interface OnnxModel {
  bytes: Uint8Array;
  meta: ModelMeta;
}

/** The directory's model.onnx when it matches the weights, else why it cannot be used as it is. */
async function currentOnnx(dir: string): Promise<{ bytes: Uint8Array } | { reason: string }> {
  const file = path.join(dir, ONNX_FILE);
  if (!existsSync(file)) return { reason: `${ONNX_FILE} is missing` };
  const bytes = await fs.readFile(file);
  let recorded: string | undefined;
  try {
    recorded = readOnnxMetadata(bytes)[WEIGHTS_DIGEST_KEY];
  } catch (e) {
    return { reason: `${ONNX_FILE} is corrupt (${(e as Error).message})` };
  }
  const weights = await fs.readFile(path.join(dir, WEIGHTS)).catch(() => null);
  if (!weights) throw new InputError(path.join(dir, WEIGHTS), 'missing');
  if (recorded !== weightsDigest(weights)) return { reason: `${ONNX_FILE} was exported from other weights than ${WEIGHTS}` };
  return { bytes };
}

/**
 * The directory's ONNX graph. One that is missing, corrupt or stale is exported again from the tfjs model
 * (`note` says why, in one line) and written back when the folder is writable.
 */
export async function readModelDirOnnx(dir: string, note: (line: string) => void = () => {}): Promise<OnnxModel> {
  const meta = await readModelMeta(dir);
  const current = await currentOnnx(dir);
  if ('bytes' in current) return { bytes: current.bytes, meta };
  const loaded = await loadModelDir(dir);
  try {
    const weights = await fs.readFile(path.join(dir, WEIGHTS));
    const bytes = exportOnnx(loaded.model, meta, { weightsDigest: weightsDigest(weights) });
    const written = await writeAtomic(path.join(dir, ONNX_FILE), bytes).then(() => true, () => false);
    note(`${dir}: ${current.reason}; exported it again from the weights${written ? '' : ' (kept in memory: the folder is not writable)'}`);
    return { bytes, meta };
  } finally {
    loaded.model.dispose();
  }
}

/** A bare .onnx file exported by Segwork: the graph and the model description in its metadata. */
export async function readBareOnnx(file: string): Promise<OnnxModel> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch {
    throw new InputError(file, 'does not exist or cannot be read');
  }
  let metadata: Record<string, string>;
  try {
    metadata = readOnnxMetadata(bytes);
  } catch (e) {
    throw new InputError(file, `not an ONNX model (${(e as Error).message})`);
  }
  const text = metadata[SEGWORK_META_KEY];
  if (text === undefined) {
    const found = Object.keys(metadata);
    throw new InputError(file, `lacks the metadata Segwork needs: "${SEGWORK_META_KEY}" (classes, normalisation, architecture) is missing; ${found.length ? `it has ${found.join(', ')}` : 'it has no metadata'}. Export it with segwork export-model`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `its "${SEGWORK_META_KEY}" metadata is not JSON (${(e as Error).message})`);
  }
  return { bytes, meta: checkMeta(file, raw) };
}

/** A model given as a directory or as a bare .onnx file. */
export function readOnnxModel(modelPath: string, note?: (line: string) => void): Promise<OnnxModel> {
  return /\.onnx$/i.test(modelPath) ? readBareOnnx(modelPath) : readModelDirOnnx(modelPath, note);
}
