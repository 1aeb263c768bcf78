// Autoencoder pre-training: the autoencoder's encoder is the segmentation model's own encoder layers,
// corruptions and the context block do what they say, stacked stages cut the encoder by block, settings out of
// range are refused, and a short pre-training run lowers the loss and saves a loadable model dir.
// (Each objective on real membranes: tests/integration/pretrain-objectives.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildAutoencoderParts, corrupt, encoderStages } from '../../../src/models/autoencoder.ts';
import { loadModelDir } from '../../../src/models/model-dir.ts';
import { pretrainEncoder } from '../../../src/training/pretrain.ts';
import { maskBlock } from '../../../src/training/pretrain-objectives.ts';
import { checkObjectiveSettings } from '../../../src/training/pretrain-settings.ts';
import { Rng } from '../../../src/training/rng.ts';
import { buildPreset, useTestBackend } from './model-helpers.ts';

await useTestBackend();

for (const name of ['unet', 'segnet-basic', 'deeplab']) {
  test(`${name}: the autoencoder shares the encoder layers, none of the segmentation decoder, and reconstructs at input size`, () => {
    const { arch, config, model } = buildPreset(name, 'small');
    const { encoder, decoder, gaussian } = buildAutoencoderParts(model, name, config, { variational: true });
    const encoderLayers = arch.encoderLayers(model, config);
    for (const layer of encoder.layers) {
      if (layer.getClassName() !== 'InputLayer') assert.ok(encoderLayers.includes(layer.name) && layer === model.getLayer(layer.name), `${layer.name} is not an encoder layer of the model`);
    }
    assert.ok(decoder.layers.every((l) => l.name.startsWith('ae_')) && gaussian!.layers.every((l) => l.name.startsWith('ae_')));
    const m = arch.sizeMultiple(config);
    const shape = tf.tidy(() => (decoder.predict((gaussian!.predict(encoder.predict(tf.zeros([2, 2 * m, m, 1])) as tf.Tensor) as tf.Tensor[])[0]!) as tf.Tensor).shape);
    assert.deepEqual(shape, [2, 2 * m, m, 1]);
  });

  test(`${name}: stacked stages split the encoder by block in order, each cut reconstructing at input size`, () => {
    const { arch, config, model } = buildPreset(name, 'small');
    const encoderLayers = arch.encoderLayers(model, config);
    const stages = encoderStages(model, encoderLayers);
    assert.ok(stages.length >= 2, `${stages.length} stage(s)`);
    assert.deepEqual(stages.flat(), encoderLayers);
    for (const stage of stages) assert.ok(stage.some((n) => model.getLayer(n).countParams() > 0), `stage ${stage[0]} has no weights`);
    const m = arch.sizeMultiple(config);
    for (const stage of [stages[0]!, stages.at(-1)!]) {
      const { encoder, decoder } = buildAutoencoderParts(model, name, config, { lastLayer: stage.at(-1)! });
      assert.ok(stage.includes(encoder.outputs[0]!.sourceLayer.name));
      assert.deepEqual(tf.tidy(() => (decoder.predict(encoder.predict(tf.zeros([1, m, m, 1])) as tf.Tensor) as tf.Tensor).shape), [1, m, m, 1]);
    }
  });
}

test("U-Net's stages are its blocks; the code skips the bottom's dropout", () => {
  const { arch, config, model } = buildPreset('unet', 'small');
  const stages = encoderStages(model, arch.encoderLayers(model, config));
  assert.deepEqual(stages.map((s) => s[0]), ['size_check', 'enc2_conv1', 'enc3_conv1', 'bottom_conv1']);
  assert.equal(stages[0]!.at(-1), 'enc1_pool');
  assert.equal(buildAutoencoderParts(model, 'unet', config).encoder.outputs[0]!.sourceLayer.name, 'bottom_relu2');
});

test('the context block is one square of the asked share per patch, zeroed in the input, the only weighted pixels', () => {
  const clean = tf.add(tf.randomNormal([3, 32, 32, 1], 0, 1, 'float32', 2), 5) as tf.Tensor4D;
  const { input, weights } = maskBlock(clean, 0.25, new Rng(4));
  const w = weights.dataSync();
  const x = input.dataSync();
  for (let n = 0; n < 3; n++) {
    const ys = new Set<number>();
    const xs = new Set<number>();
    for (let p = 0; p < 32 * 32; p++) {
      assert.equal(x[n * 1024 + p] === 0, w[n * 1024 + p] === 1);
      if (w[n * 1024 + p] === 1) (ys.add(Math.floor(p / 32)), xs.add(p % 32));
    }
    assert.deepEqual([ys.size, xs.size], [16, 16], 'a 16×16 block covers a quarter of 32×32');
    assert.equal(Math.max(...ys) - Math.min(...ys), 15, 'the block is contiguous');
  }
});

test('settings out of range are refused with the valid range', () => {
  const ok = { objective: 'sparse' as const, denoiseSigma: 0, maskRatio: 0, weight: 0.01 };
  assert.doesNotThrow(() => checkObjectiveSettings(ok));
  assert.throws(() => checkObjectiveSettings({ ...ok, weight: -1 }), /weight must be in \[0, 1000\], got -1/);
  assert.throws(() => checkObjectiveSettings({ ...ok, objective: 'denoising', maskRatio: 1 }), /maskRatio must be in \[0, 0.95\], got 1/);
  assert.throws(() => checkObjectiveSettings({ ...ok, objective: 'context', maskRatio: 0 }), /context objective needs a block share in \(0, 0.95\], got 0/);
});

test('masking blanks whole cells at about the requested ratio and weights only them; noise changes every pixel', () => {
  const clean = tf.add(tf.randomNormal([4, 64, 64, 2], 0, 1, 'float32', 1), 5) as tf.Tensor4D; // no zeros by chance
  const { input, weights } = corrupt(clean, { denoiseSigma: 0, maskRatio: 0.5, maskCell: 8 }, 7);
  const w = weights.dataSync();
  const x = input.dataSync();
  const ratio = Array.from(w).reduce((a, b) => a + b, 0) / w.length;
  assert.ok(ratio > 0.35 && ratio < 0.65, `masked fraction ${ratio}`);
  for (let p = 0; p < w.length; p++) {
    assert.ok(w[p] === 0 || w[p] === 1);
    assert.equal(x[2 * p] === 0 && x[2 * p + 1] === 0, w[p] === 1, `pixel ${p}`);
  }
  // Cells are 8×8 blocks: pixel (0,0) and (7,7) of the first image share a cell.
  assert.equal(w[0], w[7 * 64 + 7]);
  const noisy = corrupt(clean, { denoiseSigma: 0.5, maskRatio: 0, maskCell: 8 }, 3);
  assert.ok(tf.tidy(() => tf.min(tf.abs(tf.sub(noisy.input, clean))).dataSync()[0]) > 0);
  assert.equal(tf.tidy(() => tf.sum(noisy.weights).dataSync()[0]), 4 * 64 * 64);
});

test('a short pre-training run lowers the reconstruction loss and saves a model dir that loads', async (t) => {
  // Smooth real-valued images with structure: sums of a few sinusoids.
  const images = Array.from({ length: 3 }, (_, i) => {
    const data = new Float32Array(64 * 64);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) data[y * 64 + x] = 100 + 50 * Math.sin((x + 3 * i) / 5) * Math.cos(y / (7 + i));
    return { name: `synthetic-${i}`, width: 64, height: 64, bands: 1, data };
  });
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'segwork-pretrain-'));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  const result = await pretrainEncoder({
    images,
    architecture: 'segnet-basic',
    preset: 'small',
    outDir,
    backend: 'wasm',
    objective: { objective: 'denoising', denoiseSigma: 0.2, maskRatio: 0.25, weight: 0 },
    patchSize: 32,
    batchSize: 2,
    learningRate: 0.01,
    timeBudgetSeconds: 1e6,
    maxSteps: 40,
    seed: 1,
  });
  assert.equal(result.steps, 40);
  assert.equal(result.endReason, 'max steps');
  assert.ok(result.lastLoss < result.firstLoss, `loss ${result.firstLoss} → ${result.lastLoss}`);
  const loaded = await loadModelDir(outDir);
  assert.equal(loaded.meta.architecture, 'segnet-basic');
  assert.match(loaded.meta.training!.endReason, /encoder pre-training \(denoising σ=0.2, masked cells 0.25\), 40 steps/);
  assert.ok(loaded.model.getLayer('enc1_conv1'));
  loaded.model.dispose();
});

test('pre-training refuses images smaller than the patch and patches that are not a multiple', async () => {
  const image = { name: 'tiny.png', width: 16, height: 16, bands: 1, data: new Float32Array(256) };
  const job = {
    images: [image], architecture: 'segnet-basic', preset: 'small', outDir: '/nonexistent', backend: 'wasm' as const,
    objective: { objective: 'denoising' as const, denoiseSigma: 0, maskRatio: 0, weight: 0 }, batchSize: 1, learningRate: 1e-3, timeBudgetSeconds: 1, maxSteps: 1, seed: 1,
  };
  await assert.rejects(pretrainEncoder({ ...job, patchSize: 32 }), /tiny.png: 16×16 is smaller than the 32px patch size/);
  await assert.rejects(pretrainEncoder({ ...job, patchSize: 24 }), /patch size 24 must be a multiple of 16 for segnet-basic/);
});
