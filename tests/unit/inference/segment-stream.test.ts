import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { defaultClasses } from '../../../src/labels/palette.ts';
import { segmentFile } from '../../../src/inference/segment-file.ts';
import { segmentSource, type SegmentOptions } from '../../../src/inference/segment-image.ts';
import { tfjsInferenceModel, type InferenceModel } from '../../../src/inference/inference-model.ts';
import { openRaster, readImage, writeTiff } from '../../../src/io/index.ts';
import type { ModelMeta } from '../../../src/models/model-dir.ts';
import { buildUNet, type UNetConfig } from '../../../src/models/unet.ts';
import { withSeededMathRandom } from '../../../src/training/rng.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { readRaster } from '../../helpers/images.ts';

const width = 70;
const height = 45;
const numClasses = 3;
const geoTransform = [500000, 0.5, 0, 4100000, 0, -0.5];

/** An untrained U-Net, seeded: unseeded, its two filters can both die and leave constant probabilities. */
async function tinyModel(): Promise<InferenceModel> {
  const config: UNetConfig = { inputChannels: 4, numClasses, depth: 1, baseFilters: 2, dropout: 0, batchNorm: false, upsampling: 'nearest' };
  const meta: ModelMeta = { format: 'segwork-model', formatVersion: 1, architecture: 'unet', config: { ...config }, classes: defaultClasses(numClasses), inputChannels: 4, normalisation: { mean: [0, 0, 0, 0], std: [60, 60, 60, 60] } };
  return tfjsInferenceModel({ model: await withSeededMathRandom(4, async () => buildUNet(config)), meta, dir: '' }, 'cpu');
}

async function writeInput(dir: string): Promise<string> {
  const file = path.join(dir, 'field.tif');
  const data = new Uint16Array(width * height * 4).map((_, i) => ((i * 7) % 251) + (((i >> 2) % width) > 30 ? 90 : 0));
  await writeTiff(file, { width, height, bands: 4, data, layout: 'pixel', georeference: { geoTransform, epsg: 32633 } });
  return file;
}


// Small tiles, so the tiler hands out several blocks of rows and the writers append more than once.
const tiles = { tile: 16, overlap: 0.5, batch: 4 };

for (const refine of [{}, { minIsland: 6 }]) {
  test(`streamed GeoTIFF outputs equal the in-memory result pixel for pixel (refine ${JSON.stringify(refine)})`, async (t) => {
    await tf.setBackend('cpu');
    const dir = tempDir(t);
    const input = await writeInput(dir);
    const loaded = await tinyModel();
    t.after(() => loaded.dispose());
    const options: SegmentOptions = { probabilities: true, uncertainty: true, tiles, refine };
    const raster = await openRaster(input);
    const expected = await segmentSource(loaded, raster, options);
    await raster.close();
    // An untrained model may pick one class everywhere, but its probabilities vary from pixel to pixel, so a row or
    // band mix-up would show.
    assert.ok(new Set(expected.probabilities).size > 20, 'probabilities vary across the image');

    const output = path.join(dir, 'out', 'field.tif');
    await segmentFile(loaded, input, output, options);
    assert.deepEqual(readdirSync(path.dirname(output)).sort(), ['field.probabilities.tif', 'field.tif', 'field.uncertainty.tif']);

    const mask = await readRaster(output);
    assert.deepEqual(Uint8Array.from(mask.values), expected.mask);
    assert.deepEqual(mask.raster.metadata.geoTransform, geoTransform);
    assert.equal(mask.raster.metadata.epsg, 32633);
    assert.equal(mask.raster.nodata, 255);

    const probabilities = await readRaster(output.replace('.tif', '.probabilities.tif'));
    assert.equal(probabilities.raster.bands, numClasses);
    assert.equal(probabilities.raster.metadata.interleave, 'pixel');
    assert.deepEqual(probabilities.raster.metadata.geoTransform, geoTransform);
    const classMajor = new Uint8Array(numClasses * width * height);
    probabilities.values.forEach((v, i) => (classMajor[(i % numClasses) * width * height + Math.floor(i / numClasses)] = v));
    assert.deepEqual(classMajor, expected.probabilities);

    const uncertainty = await readRaster(output.replace('.tif', '.uncertainty.tif'));
    assert.deepEqual(Uint8Array.from(uncertainty.values), expected.uncertainty);
    assert.equal(uncertainty.raster.metadata.epsg, 32633);
  });
}

test('a PNG input keeps PNG mask and uncertainty outputs, equal to the in-memory result', async (t) => {
  await tf.setBackend('cpu');
  const dir = tempDir(t);
  const input = await writeInput(dir);
  const loaded = await tinyModel();
  t.after(() => loaded.dispose());
  const options: SegmentOptions = { uncertainty: true, tiles };
  const raster = await openRaster(input);
  const expected = await segmentSource(loaded, raster, options);
  await raster.close();
  const output = path.join(dir, 'out', 'field.png');
  await segmentFile(loaded, input, output, options);
  assert.deepEqual(readdirSync(path.dirname(output)).sort(), ['field.png', 'field.uncertainty.png']);
  assert.deepEqual(Uint8Array.from((await readImage(output)).data), expected.mask);
  assert.deepEqual(Uint8Array.from((await readImage(output.replace('.png', '.uncertainty.png'))).data), expected.uncertainty);
});

test('a segmentation that stops half-way leaves no output and no temp file', async (t) => {
  await tf.setBackend('cpu');
  const dir = tempDir(t);
  const input = await writeInput(dir);
  const loaded = await tinyModel();
  t.after(() => loaded.dispose());
  const controller = new AbortController();
  const output = path.join(dir, 'out', 'field.tif');
  let seen: string[] = [];
  // Cancel as soon as the outputs' temp files exist, i.e. mid-way through writing them.
  const poll = setInterval(() => {
    const names = existsSync(path.dirname(output)) ? readdirSync(path.dirname(output)) : [];
    if (names.length > 0 && seen.length === 0) {
      seen = names;
      controller.abort();
    }
  }, 1);
  try {
    await assert.rejects(segmentFile(loaded, input, output, { probabilities: true, uncertainty: true, tiles: { ...tiles, batch: 1 }, signal: controller.signal }), /cancelled/);
  } finally {
    clearInterval(poll);
  }
  assert.ok(seen.length > 0 && seen.every((name) => name.includes('.tmp-')), `temp files existed while it ran: ${seen}`);
  assert.deepEqual(readdirSync(path.dirname(output)), []);
});
