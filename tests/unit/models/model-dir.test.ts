import assert from 'node:assert/strict';
import { existsSync, readFileSync, truncateSync, writeFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadModelDir, saveModelDir, type ModelMeta } from '../../../src/models/model-dir.ts';
import { buildUNet, type UNetConfig } from '../../../src/models/unet.ts';
import { defaultClasses } from '../../../src/labels/palette.ts';
import { tempDir } from '../../helpers/tmp.ts';

const config: UNetConfig = { inputChannels: 1, numClasses: 2, depth: 1, baseFilters: 2, dropout: 0, batchNorm: false, upsampling: 'nearest' };
const meta = (): ModelMeta => ({ format: 'segwork-model', formatVersion: 1, architecture: 'unet', config: { ...config }, classes: defaultClasses(2), inputChannels: 1, normalisation: { mean: [3], std: [2] } });

async function saved(t: import('node:test').TestContext): Promise<string> {
  await tf.setBackend('cpu');
  const dir = path.join(tempDir(t), 'model');
  const model = buildUNet(config);
  await saveModelDir(dir, model, meta());
  model.dispose();
  return dir;
}

test('a saved model reloads and predicts identically', async (t) => {
  await tf.setBackend('cpu');
  const dir = path.join(tempDir(t), 'model');
  const model = buildUNet(config);
  await saveModelDir(dir, model, meta());
  const x = tf.randomNormal([1, 8, 8, 1]);
  const before = await (model.predict(x) as tf.Tensor).data();
  const loaded = await loadModelDir(dir);
  const after = await (loaded.model.predict(x) as tf.Tensor).data();
  assert.deepEqual(after, before);
  assert.deepEqual(loaded.meta.normalisation, { mean: [3], std: [2] });
  assert.deepEqual(readFileSync(path.join(dir, 'segwork.json'), 'utf8').length > 0, true);
  assert.equal(existsSync(dir + '.tmp'), false);
  model.dispose();
  loaded.model.dispose();
});

test('missing, corrupt and inconsistent model directories fail naming the file and the problem', async (t) => {
  const dir = await saved(t);
  await assert.rejects(loadModelDir(path.join(dir, 'nope')), /model directory does not exist/);

  const weights = path.join(dir, 'weights.bin');
  const good = readFileSync(weights);
  truncateSync(weights, 10);
  await assert.rejects(loadModelDir(dir), (e: Error) => e.message.includes('weights.bin') && /truncated or corrupt/.test(e.message));
  writeFileSync(weights, good);

  const metaFile = path.join(dir, 'segwork.json');
  const m = JSON.parse(readFileSync(metaFile, 'utf8'));
  writeFileSync(metaFile, JSON.stringify({ ...m, classes: defaultClasses(3), config: { ...m.config, numClasses: 3 } }));
  await assert.rejects(loadModelDir(dir), /class count mismatch: the network outputs 2 classes, segwork.json lists 3/);

  writeFileSync(metaFile, JSON.stringify({ ...m, normalisation: { mean: [1, 2], std: [1] } }));
  await assert.rejects(loadModelDir(dir), /"normalisation" needs "mean" and "std" with 1 values each/);

  writeFileSync(metaFile, '{ not json');
  await assert.rejects(loadModelDir(dir), /segwork.json: corrupt JSON/);

  rmSync(path.join(dir, 'model.json'));
  writeFileSync(metaFile, JSON.stringify(m));
  await assert.rejects(loadModelDir(dir), /model.json: missing/);
});
