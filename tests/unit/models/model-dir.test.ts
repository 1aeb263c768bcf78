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

/** Stands for a list nested 100,000 deep, which JSON.parse reads but printing or walking it overflows the stack. */
const DEEP = 'DEEP-LIST';
const withDeepLists = (text: string): string => text.replaceAll(`"${DEEP}"`, '['.repeat(100_000) + ']'.repeat(100_000));

async function refused(loading: Promise<unknown>, file: string, expected: RegExp): Promise<void> {
  const error = await loading.then(() => null, (e: Error) => e);
  assert.ok(error?.name === 'InputError' && error.message.startsWith(file) && expected.test(error.message), `wanted ${expected.source}, got ${error?.message}`);
}

// Generated equivalents of the fuzz campaign's model.json and segwork.json findings: each once hung TF.js's graph
// walk, overflowed the stack or answered in TF.js's own words.
test('a damaged layer graph or setting is refused by layer and field before TF.js builds it', async (t) => {
  const dir = await saved(t);
  const jsonFile = path.join(dir, 'model.json');
  const original = readFileSync(jsonFile, 'utf8');
  const damage = async (change: (layers: any[], json: any) => void, expected: RegExp): Promise<void> => {
    const json = JSON.parse(original);
    change(json.modelTopology.config.layers, json);
    writeFileSync(jsonFile, withDeepLists(JSON.stringify(json)));
    await refused(loadModelDir(dir), jsonFile, expected);
  };
  const conv = (layers: any[]) => layers.find((l) => l.class_name === 'Conv2D');
  await damage((layers) => (layers[3].name = Number.NaN), /layer 3 has no name/);
  await damage((layers) => (layers[3].name = 2 ** 53), /layer 3 has no name/);
  await damage((layers) => (layers[2].inbound_nodes[0][0] = []), /must be \[layer, node, tensor\]/);
  await damage((layers) => (layers[2].inbound_nodes = []), /has no inputs/);
  await damage((layers) => (layers[2].inbound_nodes[0][0][1] = DEEP), /asks for a node/);
  await damage((layers) => (layers[1].inbound_nodes[0][0][0] = layers.at(-1).name), /inputs form a loop/);
  await damage((layers) => (conv(layers).config.padding = 'wame'), /"padding" must be one of valid, same, causal/);
  await damage((layers) => (conv(layers).config.data_format = -1), /"data_format" must be one of/);
  await damage((layers) => delete conv(layers).config.filters, /has no "filters" setting/);
  await damage((layers) => (conv(layers).config.filters = 1e9), /"filters" must be a whole number from 1 to 65536/);
  await damage((layers) => (conv(layers).config.kernel_initializer.config.mode = []), /kernel_initializer › config: "mode" must be one of fan_in/);
  await damage((_, json) => (json.weightsManifest[0].weights[0].dtype = {}), /float32/);
  await damage((_, json) => delete json.weightsManifest[0].weights[0].dtype, /float32/);
  await damage((layers) => (layers[0].config.batch_input_shape = 2 ** 53), /"batch_input_shape" must be \[batch, height, width, channels\]/);
  writeFileSync(jsonFile, 'null');
  await assert.rejects(loadModelDir(dir), (e: Error) => e.name === 'InputError' && /no modelTopology/.test(e.message));
});

test('a damaged architecture setting in segwork.json is refused with its valid range', async (t) => {
  const dir = await saved(t);
  const metaFile = path.join(dir, 'segwork.json');
  const original = JSON.parse(readFileSync(metaFile, 'utf8'));
  for (const [field, value, expected] of [
    ['depth', 1e308, /"depth" must be an integer in \[1, 6\], got 1e\+308/],
    ['depth', DEEP, /"depth" must be an integer in \[1, 6\], got a list/],
    ['dropout', DEEP, /"dropout" must be a number/],
    ['inputChannels', DEEP, /"config.inputChannels" differs/],
  ] as const) {
    writeFileSync(metaFile, withDeepLists(JSON.stringify({ ...original, config: { ...original.config, [field]: value } })));
    await refused(loadModelDir(dir), metaFile, expected);
  }
  // A model saved before a config field existed still loads: the architecture's default stands in.
  const { upsampling: _dropped, ...older } = original.config;
  writeFileSync(metaFile, JSON.stringify({ ...original, config: older }));
  (await loadModelDir(dir)).model.dispose();
});
