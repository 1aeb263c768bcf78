import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { defaultClasses } from '../../../src/labels/palette.ts';
import { segmentFolder } from '../../../src/inference/batch.ts';
import { tfjsInferenceModel } from '../../../src/inference/inference-model.ts';
import { openRaster, writeTiff } from '../../../src/io/index.ts';
import type { ModelMeta } from '../../../src/models/model-dir.ts';
import { buildUNet, type UNetConfig } from '../../../src/models/unet.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('a GeoTIFF input gets a GeoTIFF mask and probabilities with the same size, CRS and geotransform', async (t) => {
  await tf.setBackend('cpu');
  const dir = tempDir(t);
  const geoTransform = [500000, 0.5, 0, 4100000, 0, -0.5];
  const width = 40;
  const height = 24;
  const bands = new Float32Array(width * height * 4).map((_, i) => (i * 7) % 251);
  await writeTiff(path.join(dir, 'in', 'field.tif'), { width, height, bands: 4, data: new Uint16Array(bands), layout: 'pixel', georeference: { geoTransform, epsg: 32633 } });
  const config: UNetConfig = { inputChannels: 4, numClasses: 3, depth: 1, baseFilters: 2, dropout: 0, batchNorm: false, upsampling: 'nearest' };
  const meta: ModelMeta = { format: 'segwork-model', formatVersion: 1, architecture: 'unet', config: { ...config }, classes: defaultClasses(3), inputChannels: 4, normalisation: { mean: [0, 0, 0, 0], std: [100, 100, 100, 100] } };
  const model = buildUNet(config);
  const summary = await segmentFolder(tfjsInferenceModel({ model, meta, dir: '' }, 'cpu'), { inputDir: path.join(dir, 'in'), outputDir: path.join(dir, 'out'), recursive: false, overwrite: false, probabilities: true });
  assert.equal(summary.done, 1, JSON.stringify(summary.failures));
  const mask = await openRaster(path.join(dir, 'out', 'field.tif'));
  assert.deepEqual([mask.width, mask.height, mask.bands], [width, height, 1]);
  assert.deepEqual(mask.metadata.geoTransform, geoTransform);
  assert.equal(mask.metadata.epsg, 32633);
  const probs = await openRaster(path.join(dir, 'out', 'field.probabilities.tif'));
  assert.equal(probs.bands, 3);
  assert.equal(probs.metadata.epsg, 32633);
  // Probabilities of a pixel sum to about 255 across the class bands.
  const px = await probs.readWindow(5, 5, 1, 1);
  assert.ok(Math.abs(px[0]! + px[1]! + px[2]! - 255) <= 2);
  await Promise.all([mask.close(), probs.close()]);
  model.dispose();
});
