// Tiled inference on a real image: it agrees with one whole-image pass, and tile borders leave no seams
// (jumps between neighbouring columns at tile edges are no larger than the image's own jumps elsewhere).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/compute/backends.ts';
import { modelPredictor } from '../../src/inference/tfjs-predictor.ts';
import { memorySource, predictStrips, tileOrigins } from '../../src/inference/tiler.ts';
import { readImage } from '../../src/io/index.ts';
import { buildUNet } from '../../src/models/unet.ts';
import { computeNormalisation } from '../../src/training/dataset.ts';
import { withSeededMathRandom } from '../../src/training/rng.ts';
import { sharedData } from '../helpers/tmp.ts';

const file = path.join(sharedData, 'isbi2012-membrane', 'train', 'image', '0.png');

test('tiled and whole-image probabilities agree on a real EM image, without seams at tile borders', async (t) => {
  if (!existsSync(file)) {
    t.skip(`${file} is absent: real-image seam test skipped`);
    return;
  }
  await initBackend('wasm');
  const image = await readImage(file);
  const norm = computeNormalisation([{ bands: 1, image: image.data }]);
  const model = await withSeededMathRandom(5, async () => buildUNet({ inputChannels: 1, numClasses: 2, depth: 3, baseFilters: 8, dropout: 0, batchNorm: false, upsampling: 'nearest' }));
  const run = async (tile: number) => {
    const out = new Float32Array(image.width * image.height);
    await predictStrips(modelPredictor(model), memorySource(image.data, image.width, image.height, 1), norm, 8, { tile, overlap: 0.5, batch: 4 }, (y, rows, probs) => {
      for (let i = 0; i < rows * image.width; i++) out[y * image.width + i] = probs[i * 2 + 1]!;
    });
    return out;
  };
  const whole = await run(512);
  const tiled = await run(128);
  const { width, height } = image;
  let gap = 0;
  for (let i = 0; i < whole.length; i++) gap += Math.abs(whole[i]! - tiled[i]!);
  gap /= whole.length;
  t.diagnostic(`mean |tiled − whole| = ${gap.toFixed(5)}`);
  assert.ok(gap < 0.02, `tiled and whole-image probabilities differ by ${gap} on average`);

  // Mean absolute jump between column x-1 and x, over all rows.
  const jump = (map: Float32Array, x: number) => {
    let sum = 0;
    for (let y = 0; y < height; y++) sum += Math.abs(map[y * width + x]! - map[y * width + x - 1]!);
    return sum / height;
  };
  const edges = new Set<number>();
  for (const origin of tileOrigins(width, 128, 0.5)) for (const x of [origin, origin + 128]) if (x > 0 && x < width) edges.add(x);
  const interior = Array.from({ length: width - 1 }, (_, i) => i + 1).filter((x) => !edges.has(x));
  const typical = interior.reduce((s, x) => s + jump(tiled, x), 0) / interior.length;
  const worstEdge = Math.max(...[...edges].map((x) => jump(tiled, x) - jump(whole, x)));
  t.diagnostic(`typical column jump ${typical.toFixed(5)}, worst extra jump at a tile edge ${worstEdge.toFixed(5)}`);
  assert.ok(worstEdge < typical, `a tile edge adds a jump of ${worstEdge}, more than the typical ${typical}`);
  model.dispose();
  tf.disposeVariables();
});
