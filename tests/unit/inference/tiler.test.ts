import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { modelPredictor } from '../../../src/inference/tfjs-predictor.ts';
import { gaussianImportance, memorySource, predictStrips, tileOrigins } from '../../../src/inference/tiler.ts';
import { buildUNet } from '../../../src/models/unet.ts';
import { withSeededMathRandom } from '../../../src/training/rng.ts';

test('tile origins cover the axis, end flush with it, and step by tile × (1 - overlap)', () => {
  assert.deepEqual(tileOrigins(100, 128, 0.5), [0]);
  assert.deepEqual(tileOrigins(256, 128, 0.5), [0, 64, 128]);
  assert.deepEqual(tileOrigins(300, 128, 0.5), [0, 64, 128, 172]);
  assert.deepEqual(tileOrigins(300, 128, 0), [0, 128, 172]);
});

test('the importance map peaks in the centre and is never zero', () => {
  const map = gaussianImportance(16, 16);
  assert.ok(map[8 * 16 + 8]! > map[0]!);
  assert.ok(Math.min(...map) > 0);
});

test('tiled prediction of a large image agrees with whole-image prediction, and rows stream out in order', async () => {
  await tf.setBackend('cpu');
  // Seeded: an unseeded untrained net can come out nearly constant, with too few clear decisions to compare.
  const model = await withSeededMathRandom(5, async () => buildUNet({ inputChannels: 1, numClasses: 3, depth: 2, baseFilters: 4, dropout: 0, batchNorm: false, upsampling: 'nearest' }));
  const width = 96;
  const height = 80;
  const image = new Float32Array(width * height).map((_, i) => Math.sin(i * 0.37) + ((i % width) > 40 ? 1 : 0));
  const norm = { mean: [0], std: [1] };
  const collect = async (tile: number) => {
    const out = new Float32Array(width * height * 3);
    let nextRow = 0;
    let maxRows = 0;
    await predictStrips(modelPredictor(model), memorySource(image, width, height, 1), norm, 4, { tile, overlap: 0.5, batch: 2 }, (y, rows, probs) => {
      assert.equal(y, nextRow, 'strips arrive top to bottom without gaps');
      nextRow = y + rows;
      maxRows = Math.max(maxRows, rows);
      out.set(probs, y * width * 3);
    });
    assert.equal(nextRow, height);
    return { out, maxRows };
  };
  const whole = await collect(128);
  const tiled = await collect(32);
  assert.ok(tiled.maxRows <= 32, 'a strip never holds more rows than a tile');
  // Same model, same pixels: tiles differ from the whole image only through zero padding at tile borders,
  // which the Gaussian blending down-weights. Compare the class decision and the mean probability gap.
  // An untrained model is unsure almost everywhere, so the class decision is compared where it is clear
  // (the top class leads by 0.05 or more in the whole-image prediction).
  let gap = 0;
  let agree = 0;
  let clear = 0;
  for (let i = 0; i < width * height; i++) {
    const a = Array.from(whole.out.subarray(i * 3, i * 3 + 3));
    const b = Array.from(tiled.out.subarray(i * 3, i * 3 + 3));
    for (let c = 0; c < 3; c++) gap += Math.abs(a[c]! - b[c]!);
    const sorted = [...a].sort((x, y) => y - x);
    if (sorted[0]! - sorted[1]! >= 0.05) {
      clear++;
      if (a.indexOf(sorted[0]!) === b.indexOf(Math.max(...b))) agree++;
    }
    assert.ok(Math.abs(b[0]! + b[1]! + b[2]! - 1) < 1e-4, 'blended probabilities still sum to 1');
  }
  assert.ok(gap / (width * height * 3) < 0.05, `mean probability gap ${gap / (width * height * 3)}`);
  assert.ok(clear > 0 && agree / clear > 0.97, `class agreement ${agree}/${clear} where the decision is clear`);
  model.dispose();
});

test('prediction leaks no tensors', async () => {
  await tf.setBackend('cpu');
  const model = buildUNet({ inputChannels: 1, numClasses: 2, depth: 1, baseFilters: 2, dropout: 0, batchNorm: false, upsampling: 'nearest' });
  const image = new Float32Array(40 * 40).fill(1);
  const run = () => predictStrips(modelPredictor(model), memorySource(image, 40, 40, 1), { mean: [0], std: [1] }, 2, { tile: 16, overlap: 0.5, batch: 3 }, () => {});
  await run();
  const before = tf.memory().numTensors;
  await run();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
