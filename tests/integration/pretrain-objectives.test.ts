// Each pre-training objective, on real pixels (the ISBI 2012 membrane images, ../shared/data/isbi2012-membrane):
// a short run lowers that objective's own loss (each stage's, when stacked), and `train --init-encoder` starts
// from what it saved.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { PretrainObjective } from '../../src/api/types.ts';
import { initBackend } from '../../src/compute/backends.ts';
import { loadModelDir } from '../../src/models/model-dir.ts';
import { loadLabeledImages, pairImagesWithLabels } from '../../src/training/dataset.ts';
import { DEFAULT_TRAIN_OPTIONS, train } from '../../src/training/loop.ts';
import { pretrainEncoder } from '../../src/training/pretrain.ts';
import { defaultObjectiveSettings } from '../../src/training/pretrain-settings.ts';
import { readUnlabeledImages } from '../../src/training/unlabeled-images.ts';
import { sharedData, tempDir } from '../helpers/tmp.ts';

const membrane = path.join(sharedData, 'isbi2012-membrane');
const runs: { objective: PretrainObjective; stacked?: boolean }[] = [
  { objective: 'denoising' },
  { objective: 'context' },
  { objective: 'sparse' },
  { objective: 'contractive' },
  { objective: 'variational' },
  { objective: 'sparse', stacked: true },
];

for (const { objective, stacked } of runs) {
  test(`${objective}${stacked ? ', stacked,' : ''} pre-training lowers its loss on membranes, and --init-encoder starts from it`, async (t) => {
    if (!existsSync(membrane)) {
      t.skip(`${membrane} is absent: real-data pre-training test skipped`);
      return;
    }
    const backend = await initBackend('wasm');
    const dir = tempDir(t);
    const images = await readUnlabeledImages([0, 1, 2, 3].map((n) => path.join(membrane, 'unlabeled', `${n}.png`)));
    const encoderDir = path.join(dir, 'encoder');
    const result = await pretrainEncoder({
      images, architecture: 'unet', preset: 'small', outDir: encoderDir, backend,
      objective: defaultObjectiveSettings(objective), stacked: stacked ?? false,
      patchSize: 32, batchSize: 4, learningRate: 3e-3, timeBudgetSeconds: 1e9, maxSteps: stacked ? 120 : 40, seed: 2,
    });
    assert.equal(result.stages.length, stacked ? 4 : 1);
    for (const stage of result.stages) assert.ok(stage.lastLoss < stage.firstLoss, `${objective} loss up to ${stage.lastLayer}: ${stage.firstLoss} → ${stage.lastLoss}`);
    t.diagnostic(result.stages.map((s) => `${s.lastLayer}: ${s.firstLoss.toFixed(4)} → ${s.lastLoss.toFixed(4)}`).join('; '));

    // One fine-tuning step at a negligible rate: the encoder is the pre-trained one, every layer trainable again.
    const { pairs } = await pairImagesWithLabels(path.join(membrane, 'train/image'), path.join(membrane, 'train/label'));
    const labeled = await loadLabeledImages(pairs.filter((p) => p.name === '0'), { labelValues: [0, 255] });
    const classes = [{ index: 0, name: 'membrane', color: '#000000' }, { index: 1, name: 'cell', color: '#ffffff' }];
    const outDir = path.join(dir, 'model');
    const options = { ...DEFAULT_TRAIN_OPTIONS, patchSize: 32, batchSize: 1, epochs: 1, stepsPerEpoch: 1, learningRate: 1e-7, valSplit: 0, augment: false };
    await train({ train: labeled, val: [], classes, options, outDir, backend, labelValues: [0, 255], initEncoderDir: encoderDir });
    const [encoder, tuned] = [await loadModelDir(encoderDir), await loadModelDir(outDir)];
    for (const layer of ['enc1_conv1', 'bottom_conv2']) {
      const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(encoder.model.getLayer(layer).getWeights()[0]!, tuned.model.getLayer(layer).getWeights()[0]!))).dataSync()[0]!);
      assert.ok(difference < 1e-4, `${layer} differs from the pre-trained encoder by ${difference}`);
    }
    const frozen = encoder.model.layers.filter((l) => l.countParams() > 0 && !l.trainable).map((l) => l.name);
    assert.deepEqual(frozen, [], 'layers frozen by stacked training stay trainable in the saved encoder');
    encoder.model.dispose();
    tuned.model.dispose();
  });
}
