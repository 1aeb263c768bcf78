// Autoencoder pre-training: the autoencoder's encoder is the segmentation model's own encoder layers,
// corruptions do what they say, and a short pre-training run lowers the loss and saves a loadable model dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildAutoencoder, corrupt } from '../../../src/models/autoencoder.ts';
import { loadModelDir } from '../../../src/models/model-dir.ts';
import { pretrainEncoder } from '../../../src/training/pretrain.ts';
import { buildPreset, useTestBackend } from './model-helpers.ts';

await useTestBackend();

for (const name of ['unet', 'segnet-basic', 'deeplab']) {
  test(`${name}: the autoencoder shares the encoder layers, none of the segmentation decoder, and reconstructs at input size`, () => {
    const { arch, config, model } = buildPreset(name, 'small');
    const ae = buildAutoencoder(model, name, config);
    const encoder = arch.encoderLayers(model, config);
    for (const layer of encoder) assert.equal(ae.getLayer(layer), model.getLayer(layer), `${layer} is not the same layer object`);
    const aeNames = new Set(ae.layers.map((l) => l.name));
    assert.ok(!aeNames.has('logits') && !aeNames.has('probabilities'));
    const decoderOnly = model.layers.filter((l) => !encoder.includes(l.name) && l.getClassName() !== 'InputLayer' && aeNames.has(l.name));
    assert.deepEqual(decoderOnly.map((l) => l.name), []);
    const m = arch.sizeMultiple(config);
    assert.deepEqual(tf.tidy(() => (ae.predict(tf.zeros([2, 2 * m, m, 1])) as tf.Tensor).shape), [2, 2 * m, m, 1]);
  });
}

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
    corruption: { denoiseSigma: 0.2, maskRatio: 0.25, maskCell: 8 },
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
    corruption: { denoiseSigma: 0, maskRatio: 0, maskCell: 8 }, batchSize: 1, learningRate: 1e-3, timeBudgetSeconds: 1, maxSteps: 1, seed: 1,
  };
  await assert.rejects(pretrainEncoder({ ...job, patchSize: 32 }), /tiny.png: 16×16 is smaller than the 32px patch size/);
  await assert.rejects(pretrainEncoder({ ...job, patchSize: 24 }), /patch size 24 must be a multiple of 16 for segnet-basic/);
});
