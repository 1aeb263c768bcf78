// ONNX export: every architecture and preset, exported from the tfjs model and run by ONNX Runtime, gives tfjs's
// probabilities on real pixels (the bundled EM sample), in batches, at non-square sizes, with 1, 3 and 4 bands;
// the file passes onnx.checker (python3-onnx) and carries the metadata QGIS Deepness and `segwork segment` read.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { defaultClasses } from '../../../src/labels/palette.ts';
import { createOnnxSession, probeOnnxRuntime } from '../../../src/compute/onnxruntime.ts';
import { segmentSource } from '../../../src/inference/segment-image.ts';
import { openInferenceModel, tfjsInferenceModel } from '../../../src/inference/inference-model.ts';
import { onnxPredictor } from '../../../src/inference/onnx-predictor.ts';
import { memorySource } from '../../../src/inference/tiler.ts';
import { architectureNames, getArchitecture, resolveConfig } from '../../../src/models/index.ts';
import { ONNX_FILE, saveModelDir, type ModelMeta } from '../../../src/models/model-dir.ts';
import { exportOnnx } from '../../../src/models/onnx/export.ts';
import { readOnnxMetadata } from '../../../src/models/onnx/graph-builder.ts';
import { readBareOnnx, readModelDirOnnx } from '../../../src/models/onnx/model-file.ts';
import { withSeededMathRandom } from '../../../src/training/rng.ts';
import { repoRoot, tempDir } from '../../helpers/tmp.ts';
import { useTestBackend } from './model-helpers.ts';

await useTestBackend();

const NUM_CLASSES = 3;
const TOLERANCE = 1e-4;

/** The bundled EM crop as a [h, w, bands] array: its grey values, with shifted copies as extra bands. */
function realPixels(height: number, width: number, bands: number, offset: number): Float32Array {
  const png = PNG.sync.read(readFileSync(path.join(repoRoot, 'resources/sample/images/em-0.png')));
  const out = new Float32Array(height * width * bands);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let b = 0; b < bands; b++) {
        const sx = (x + offset + 7 * b) % png.width;
        const sy = (y + offset + 3 * b) % png.height;
        out[(y * width + x) * bands + b] = (png.data[(sy * png.width + sx) * 4]! - 128) / 50;
      }
    }
  }
  return out;
}

function metaFor(architecture: string, config: ModelMeta['config']): ModelMeta {
  const bands = config.inputChannels;
  return {
    format: 'segwork-model', formatVersion: 1, architecture, config, classes: defaultClasses(NUM_CLASSES), inputChannels: bands,
    normalisation: { mean: Array(bands).fill(128), std: Array(bands).fill(50) },
  };
}

/** An untrained model whose batch-norm statistics are far from identity and no kernel is zero, so a wrong conversion shows. */
async function buildModel(name: string, preset: string | undefined, bands: number, overrides: Record<string, unknown> = {}) {
  const config = resolveConfig(name, { inputChannels: bands, numClasses: NUM_CLASSES }, preset, overrides);
  const model = await withSeededMathRandom(7, async () => getArchitecture(name).build(config));
  tf.tidy(() => {
    let seed = 1;
    for (const w of model.weights) {
      const shape = w.shape as number[];
      if (/moving_variance$/.test(w.originalName)) w.write(tf.randomUniform(shape, 0.5, 2, 'float32', seed++));
      else if (/(moving_mean|gamma|beta)$/.test(w.originalName)) w.write(tf.add(tf.randomNormal(shape, 0, 0.3, 'float32', seed++), /gamma$/.test(w.originalName) ? 1 : 0));
      // Kernels that start at zero (FCN's skip scores) would hide a wrong conversion of their path.
      else if (/kernel$/.test(w.originalName) && tf.max(tf.abs(w.read())).dataSync()[0] === 0) w.write(tf.randomNormal(shape, 0, 0.3, 'float32', seed++));
    }
  });
  return { model, meta: metaFor(name, config) };
}

/** max |Δp|, and how many pixels' classes differ where tfjs's top two classes are more than TOLERANCE apart. */
function compare(expected: Float32Array, actual: Float32Array, classes: number): { maxDiff: number; maskDiffs: number } {
  let maxDiff = 0;
  let maskDiffs = 0;
  for (let p = 0; p < expected.length / classes; p++) {
    let [best, second, bestActual] = [-1, -1, -1];
    for (let c = 0; c < classes; c++) {
      const i = p * classes + c;
      maxDiff = Math.max(maxDiff, Math.abs(expected[i]! - actual[i]!));
      if (best < 0 || expected[i]! > expected[p * classes + best]!) [second, best] = [best, c];
      else if (second < 0 || expected[i]! > expected[p * classes + second]!) second = c;
      if (bestActual < 0 || actual[i]! > actual[p * classes + bestActual]!) bestActual = c;
    }
    const margin = expected[p * classes + best]! - expected[p * classes + second]!;
    if (bestActual !== best && margin > TOLERANCE) maskDiffs++;
  }
  return { maxDiff, maskDiffs };
}

const cases: Array<{ name: string; preset?: string; overrides?: Record<string, unknown> }> = [
  ...architectureNames().flatMap((name) => Object.keys(getArchitecture(name).presets).map((preset) => ({ name, preset }))),
  { name: 'unet', preset: 'tiny', overrides: { batchNorm: true, upsampling: 'bilinear' } },
  // The paper's learnt up-convolution: ConvTranspose, kernel 2, stride 2, with its ReLU.
  { name: 'unet', preset: 'small', overrides: { upsampling: 'transpose' } },
  { name: 'deeplab', preset: 'small', overrides: { backbone: 'mobilenetv2', separable: true, outputStride: 8 } },
];

cases.forEach(({ name, preset, overrides }, i) => {
  const bands = [1, 3, 4][i % 3]!;
  const label = `${name} ${preset ?? ''}${overrides ? ' ' + JSON.stringify(overrides) : ''} (${bands} band${bands > 1 ? 's' : ''})`;
  test(`ONNX Runtime gives tfjs's probabilities: ${label}`, async () => {
    const { model, meta } = await buildModel(name, preset, bands, overrides);
    try {
      const m = getArchitecture(name).sizeMultiple(meta.config);
      const [count, height, width] = [2, m * Math.ceil(40 / m), m * Math.ceil(72 / m)];
      const data = new Float32Array(count * height * width * bands);
      for (let n = 0; n < count; n++) data.set(realPixels(height, width, bands, 37 * n), n * height * width * bands);
      const tiles = { data, count, height, width, channels: bands };
      const expected = await tfjsInferenceModel({ model, meta, dir: '' }, 'wasm').predict(tiles);
      const session = await createOnnxSession(exportOnnx(model, meta), { provider: 'cpu' });
      const actual = await onnxPredictor(session)(tiles);
      await session.session.release();
      assert.deepEqual([actual.count, actual.height, actual.width, actual.channels], [count, height, width, NUM_CLASSES]);
      const { maxDiff, maskDiffs } = compare(expected.data, actual.data, NUM_CLASSES);
      assert.ok(maxDiff <= TOLERANCE, `max |Δp| = ${maxDiff.toExponential(2)}`);
      assert.equal(maskDiffs, 0);
    } finally {
      model.dispose();
    }
  });
});

test('tiled segmentation of an odd-sized image is the same on ONNX Runtime as on tfjs, and the directory carries model.onnx', async (t) => {
  const dir = tempDir(t);
  const { model, meta } = await buildModel('unet', 'small', 1);
  await saveModelDir(dir, model, meta);
  assert.ok(existsSync(path.join(dir, ONNX_FILE)));
  const image = realPixels(45, 70, 1, 11).map((v) => v * 50 + 128);
  const options = { probabilities: true, tiles: { tile: 32, overlap: 0.5, batch: 3 } };
  const expected = await segmentSource(tfjsInferenceModel({ model, meta, dir }, 'wasm'), memorySource(image, 70, 45, 1), options);
  const onnx = await openInferenceModel(dir, { backend: 'onnxruntime' });
  assert.match(onnx.engine, /^onnxruntime \(cpu\)$/);
  const actual = await segmentSource(onnx, memorySource(image, 70, 45, 1), options);
  await onnx.dispose();
  model.dispose();
  // Probabilities are kept as uint8 (round(255·p)): equal, or one step apart where p sits on a rounding edge.
  const steps = actual.probabilities!.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.probabilities![i]!)), 0);
  assert.ok(steps <= 1, `probabilities differ by ${steps}/255`);
  const differing = actual.mask.reduce((n, v, i) => n + (v !== expected.mask[i] ? 1 : 0), 0);
  assert.ok(differing <= 2, `${differing} mask pixels differ`);
});

test('the exported file passes onnx.checker and carries Deepness\'s and Segwork\'s metadata', async (t) => {
  const dir = tempDir(t);
  const { model, meta } = await buildModel('segnet-basic', 'small', 3);
  const file = path.join(dir, 'segnet.onnx');
  writeFileSync(file, exportOnnx(model, meta, { tileSize: 256, overlapPercent: 25, resolutionCm: 30 }));
  model.dispose();
  const checker = spawnSync('/usr/bin/python3', ['-c', 'import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.ir_version, m.opset_import[0].version)', file], { encoding: 'utf8' });
  assert.equal(checker.status, 0, `onnx.checker (python3-onnx) failed: ${checker.stderr}`);
  assert.match(checker.stdout, /^7 13/);
  const metadata = readOnnxMetadata(readFileSync(file));
  assert.equal(metadata.model_type, 'Segmentor');
  assert.deepEqual(JSON.parse(metadata.class_names!), Object.fromEntries(meta.classes.map((c) => [String(c.index), c.name])));
  assert.deepEqual(JSON.parse(metadata.standardization_mean!), [128 / 255, 128 / 255, 128 / 255]);
  assert.deepEqual(JSON.parse(metadata.standardization_std!), [50 / 255, 50 / 255, 50 / 255]);
  assert.equal(metadata.tiles_size, '256');
  assert.equal(metadata.tile_size, '256');
  assert.equal(metadata.tiles_overlap, '25');
  assert.equal(metadata.resolution, '30');
  assert.deepEqual((await readBareOnnx(file)).meta, meta);
});

test('a bare .onnx without Segwork\'s metadata is refused with the missing key named; a non-ONNX file too', async (t) => {
  const dir = tempDir(t);
  const { model, meta } = await buildModel('unet', 'tiny', 1);
  const bytes = exportOnnx(model, meta);
  model.dispose();
  // The same graph with its metadata entries renamed away (the protobuf keeps the key strings as plain bytes).
  const stripped = Buffer.from(bytes).toString('latin1').replaceAll('segwork', 'sEgwork');
  const file = path.join(dir, 'foreign.onnx');
  writeFileSync(file, Buffer.from(stripped, 'latin1'));
  await assert.rejects(readBareOnnx(file), (e: Error) => e.message.includes(file) && /"segwork".*is missing/.test(e.message));
  writeFileSync(file, 'not a model');
  await assert.rejects(readBareOnnx(file), (e: Error) => e.message.includes(file) && /not an ONNX model/.test(e.message));
});

test('a missing, corrupt or stale model.onnx is exported again from the weights, never used as it is', async (t) => {
  const dir = tempDir(t);
  const first = await buildModel('unet', 'tiny', 1);
  await saveModelDir(dir, first.model, first.meta);
  const original = readFileSync(path.join(dir, ONNX_FILE));
  // Stale: other weights saved under the old model.onnx (as a kill between the two writes would leave).
  const second = await withSeededMathRandom(99, async () => getArchitecture('unet').build(first.meta.config as never));
  await saveModelDir(dir, second, first.meta);
  const fresh = readFileSync(path.join(dir, ONNX_FILE));
  writeFileSync(path.join(dir, ONNX_FILE), original);
  const notes: string[] = [];
  const regenerated = await readModelDirOnnx(dir, (line) => notes.push(line));
  assert.match(notes.join('\n'), /exported from other weights than weights\.bin; exported it again/);
  assert.deepEqual(Buffer.from(regenerated.bytes), fresh);
  assert.deepEqual(readFileSync(path.join(dir, ONNX_FILE)), fresh, 'the regenerated file is written back');

  writeFileSync(path.join(dir, ONNX_FILE), 'garbage');
  notes.length = 0;
  await readModelDirOnnx(dir, (line) => notes.push(line));
  assert.match(notes.join('\n'), /model\.onnx is corrupt/);

  notes.length = 0;
  assert.deepEqual(Buffer.from((await readModelDirOnnx(dir, (line) => notes.push(line))).bytes), fresh);
  assert.deepEqual(notes, [], 'a current model.onnx is used as it is');
  first.model.dispose();
  second.dispose();
});

test('a forced provider that cannot start: a model directory falls back to tfjs, with one line saying why', async (t) => {
  const report = await probeOnnxRuntime(true);
  if (report.providers.find((p) => p.name === 'cuda')?.available) {
    t.skip('CUDA starts here');
    return;
  }
  const dir = tempDir(t);
  const { model, meta } = await buildModel('unet', 'tiny', 1);
  await saveModelDir(dir, model, meta);
  model.dispose();
  const notes: string[] = [];
  const opened = await openInferenceModel(dir, { backend: 'onnxruntime-cuda', note: (line) => notes.push(line) });
  assert.match(opened.engine, /^tfjs /);
  assert.match(notes.join('\n'), /ONNX Runtime cannot run .*cuda provider is not available.*using tfjs instead/);
  await opened.dispose();
});
