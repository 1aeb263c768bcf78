// The worker pool segments a folder exactly as the single-process batch does, reports unreadable files and
// skips finished ones.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { defaultClasses } from '../../../src/labels/palette.ts';
import type { BatchEvent } from '../../../src/api/types.ts';
import { initBackend } from '../../../src/compute/backends.ts';
import { segmentFolder } from '../../../src/inference/batch.ts';
import { openInferenceModel } from '../../../src/inference/inference-model.ts';
import { poolSize, segmentFolderPooled } from '../../../src/jobs/segment-pool.ts';
import { saveModelDir } from '../../../src/models/model-dir.ts';
import { buildUNet, type UNetConfig } from '../../../src/models/unet.ts';
import { tempDir } from '../../helpers/tmp.ts';

const config: UNetConfig = { inputChannels: 3, numClasses: 3, depth: 2, baseFilters: 4, dropout: 0, batchNorm: false, upsampling: 'nearest' };

function writeRgbPng(file: string, width: number, height: number, seed: number): void {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    const x = i % width;
    const y = Math.floor(i / width);
    png.data[i * 4] = (x * 7 + seed * 31) % 256;
    png.data[i * 4 + 1] = (y * 5 + seed * 17) % 256;
    png.data[i * 4 + 2] = ((x ^ y) * 3 + seed) % 256;
    png.data[i * 4 + 3] = 255;
  }
  writeFileSync(file, PNG.sync.write(png));
}

async function fixture(t: import('node:test').TestContext) {
  const root = tempDir(t);
  await initBackend('wasm');
  const modelDir = path.join(root, 'model');
  const model = buildUNet(config);
  await saveModelDir(modelDir, model, {
    format: 'segwork-model', formatVersion: 1, architecture: 'unet', config: { ...config }, classes: defaultClasses(3), inputChannels: 3,
    normalisation: { mean: [128, 128, 128], std: [64, 64, 64] },
  });
  model.dispose();
  const images = path.join(root, 'images');
  mkdirSync(path.join(images, 'sub'), { recursive: true });
  writeRgbPng(path.join(images, 'a.png'), 40, 30, 1);
  writeRgbPng(path.join(images, 'b.png'), 64, 48, 2);
  writeRgbPng(path.join(images, 'sub', 'c.png'), 33, 70, 3);
  writeFileSync(path.join(images, 'broken.png'), 'not a png at all');
  return { root, modelDir, images };
}

test('the pool writes the same masks as segmentFolder, reports the broken file and skips finished ones', async (t) => {
  const { root, modelDir, images } = await fixture(t);
  const single = path.join(root, 'single');
  const pooled = path.join(root, 'pooled');
  const model = await openInferenceModel(modelDir);
  const tiles = { tile: 32, overlap: 0.25, batch: 2 };
  const expected = await segmentFolder(model, { inputDir: images, outputDir: single, recursive: true, overwrite: false, probabilities: false, tiles });
  await model.dispose();

  const events: BatchEvent[] = [];
  const summary = await segmentFolderPooled(modelDir, {
    inputDir: images, outputDir: pooled, recursive: true, overwrite: false, probabilities: true, tiles, workers: 2, backend: 'wasm',
    onEvent: (e) => events.push(e),
  });
  assert.equal(summary.done, 3);
  assert.equal(summary.failed, 1);
  assert.equal(expected.failed, 1);
  assert.match(summary.failures[0]!.path, /broken\.png$/);
  for (const name of ['a.png', 'b.png', path.join('sub', 'c.png')]) {
    const a = PNG.sync.read(readFileSync(path.join(single, name)));
    const b = PNG.sync.read(readFileSync(path.join(pooled, name)));
    assert.deepEqual([b.width, b.height], [a.width, a.height], name);
    assert.ok(a.data.equals(b.data), `${name}: pooled mask differs from the single-process mask`);
    assert.ok(existsSync(path.join(pooled, name.replace(/\.png$/, '.probabilities.tif'))), `${name}: no probabilities`);
  }
  const files = events.filter((e) => e.type === 'file');
  assert.deepEqual(files.map((e) => e.index), [1, 2, 3, 4], 'progress counts every file once, in order');
  assert.equal(events.at(-1)!.type, 'end');

  const again = await segmentFolderPooled(modelDir, { inputDir: images, outputDir: pooled, recursive: true, overwrite: false, probabilities: false, tiles, workers: 2 });
  assert.equal(again.skipped, 3);
  assert.equal(again.failed, 1);
  assert.equal(again.done, 0);
});

test('pool size: one worker per core by default, never more than images, positive', () => {
  assert.equal(poolSize(4, 2), 2);
  assert.equal(poolSize(1, 10), 1);
  assert.ok(poolSize(undefined, 100) >= 1);
  assert.throws(() => poolSize(0, 3), /positive integer/);
  tf.disposeVariables();
});
