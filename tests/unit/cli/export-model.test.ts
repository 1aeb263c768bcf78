// `segwork export-model` and `segwork segment --model FILE.onnx`, as a user runs them: the exported file segments
// a folder exactly as the model directory does on ONNX Runtime, and close to tfjs's masks; a foreign .onnx is
// refused with the missing metadata named.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { defaultClasses } from '../../../src/labels/palette.ts';
import { initBackend } from '../../../src/compute/backends.ts';
import { readMask } from '../../../src/io/index.ts';
import { saveModelDir } from '../../../src/models/model-dir.ts';
import { readOnnxMetadata } from '../../../src/models/onnx/graph-builder.ts';
import { buildUNet } from '../../../src/models/unet.ts';
import { withSeededMathRandom } from '../../../src/training/rng.ts';
import { segwork } from '../../helpers/cli.ts';
import { repoRoot, tempDir } from '../../helpers/tmp.ts';

const onDefaultEngine = { SEGWORK_BACKEND: '' };

test('export-model writes an ONNX file that segment runs like the model directory', async (t) => {
  const dir = tempDir(t);
  await initBackend('cpu');
  const config = { inputChannels: 1, numClasses: 2, depth: 2, baseFilters: 4, dropout: 0, batchNorm: false, upsampling: 'nearest' as const };
  const model = await withSeededMathRandom(3, async () => buildUNet(config));
  const modelDir = path.join(dir, 'model');
  await saveModelDir(modelDir, model, {
    format: 'segwork-model', formatVersion: 1, architecture: 'unet', config, classes: defaultClasses(2), inputChannels: 1,
    normalisation: { mean: [128], std: [40] },
  });
  model.dispose();
  const file = path.join(dir, 'exported', 'cells.onnx');
  const exported = await segwork(['export-model', '--model', modelDir, '--out', file, '--tile', '256', '--overlap', '0.25', '--resolution', '50']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /cells\.onnx: unet, 1 band\(s\) → 2 classes/);
  const metadata = readOnnxMetadata(readFileSync(file));
  assert.deepEqual([metadata.tiles_size, metadata.tiles_overlap, metadata.resolution], ['256', '25', '50']);

  const images = path.join(repoRoot, 'resources/sample/images');
  const masks = (name: string) => path.join(dir, name);
  for (const [name, args, env] of [
    ['from-file', ['--model', file], onDefaultEngine],
    ['from-dir', ['--model', modelDir], onDefaultEngine],
    ['tfjs', ['--model', modelDir, '--backend', 'wasm'], {}],
  ] as const) {
    const r = await segwork(['segment', ...args, '--in', images, '--out', masks(name), '--workers', '1'], env);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  }
  const image = 'em-0.png';
  const [fromFile, fromDir, tfjs] = await Promise.all(['from-file', 'from-dir', 'tfjs'].map((n) => readMask(path.join(masks(n), image))));
  assert.deepEqual(fromFile.data, fromDir.data);
  const differing = fromFile.data.reduce((n, v, i) => n + (v !== tfjs.data[i] ? 1 : 0), 0);
  assert.ok(differing <= fromFile.data.length * 1e-3, `${differing} pixels differ from tfjs's mask`);

  const foreign = path.join(dir, 'foreign.onnx');
  writeFileSync(foreign, Buffer.from(readFileSync(file).toString('latin1').replaceAll('segwork', 'sEgwork'), 'latin1'));
  const refused = await segwork(['segment', '--model', foreign, '--in', images, '--out', masks('foreign')], onDefaultEngine);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /foreign\.onnx: lacks the metadata Segwork needs: "segwork"/);
});

test('export-model refuses a format it does not write, and a folder that is not a model', async (t) => {
  const dir = tempDir(t);
  const format = await segwork(['export-model', '--model', dir, '--out', path.join(dir, 'x.pb'), '--format', 'tensorflow']);
  assert.equal(format.code, 2);
  assert.match(format.stderr, /--format: "tensorflow" is not supported/);
  const notModel = await segwork(['export-model', '--model', dir, '--out', path.join(dir, 'x.onnx')]);
  assert.equal(notModel.code, 1);
  assert.match(notModel.stderr, /segwork\.json is missing/);
});
