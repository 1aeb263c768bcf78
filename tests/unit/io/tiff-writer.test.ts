import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openRaster, readMask, writeGeoTiffMask, writeProbabilityTiff, writeTiff } from '../../../src/io/index.ts';

const dir = await mkdtemp(path.join(tmpdir(), 'segwork-io-tiffw-'));
test.after(() => rm(dir, { recursive: true, force: true }));

async function readBack(file: string) {
  const raster = await openRaster(file);
  try {
    return { raster, values: Array.from(await raster.readWindow(0, 0, raster.width, raster.height)) };
  } finally {
    await raster.close();
  }
}

test('uint8, int16 and float32 round-trip through geotiff.js, deflated and not', async () => {
  const cases = [
    { data: Uint8Array.from({ length: 300 * 7 }, (_, i) => i % 256), dtype: 'uint8' },
    { data: Int16Array.from({ length: 300 * 7 }, (_, i) => i * 17 - 20000), dtype: 'int16' },
    { data: Float32Array.from({ length: 300 * 7 }, (_, i) => i / 3 - 50), dtype: 'float32' },
  ] as const;
  for (const { data, dtype } of cases) {
    for (const compression of ['deflate', 'none'] as const) {
      const file = path.join(dir, `${dtype}-${compression}.tif`);
      await writeTiff(file, { width: 300, height: 7, bands: 1, data, layout: 'pixel', compression });
      const { raster, values } = await readBack(file);
      assert.equal(raster.format, 'tiff');
      assert.equal(raster.dtype, dtype);
      assert.deepEqual(values, Array.from(Float32Array.from(data)));
    }
  }
});

test('band-major data is written planar and reads back pixel-interleaved', async () => {
  const width = 3;
  const height = 2;
  // Band 0 = 0..5, band 1 = 100..105.
  const data = Uint16Array.from([0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105]);
  const file = path.join(dir, 'planar.tif');
  await writeTiff(file, { width, height, bands: 2, data, layout: 'band' });
  const { raster, values } = await readBack(file);
  assert.equal(raster.metadata.interleave, 'band');
  assert.deepEqual(values, [0, 100, 1, 101, 2, 102, 3, 103, 4, 104, 5, 105]);
});

test('writeProbabilityTiff: band k is class k', async () => {
  const probabilities = Uint8Array.from([255, 0, 10, /* class 1 */ 0, 255, 245]);
  const file = path.join(dir, 'probs.tif');
  await writeProbabilityTiff(file, 3, 1, 2, probabilities);
  const { raster, values } = await readBack(file);
  assert.equal(raster.bands, 2);
  assert.equal(raster.metadata.geoTransform, undefined);
  assert.deepEqual(values, [255, 0, 0, 255, 10, 245]);
});

test('writeGeoTiffMask keeps the reference georeferencing and marks 255 as nodata', async () => {
  const reference = path.join(dir, 'reference.tif');
  const geoTransform = [440720, 30, 0, 3751320, 0, -30];
  await writeTiff(reference, {
    width: 4, height: 2, bands: 3, data: new Uint8Array(24).fill(9), layout: 'pixel',
    georeference: { geoTransform, epsg: 32611 },
  });
  const source = await openRaster(reference);
  assert.equal(source.format, 'geotiff');
  assert.equal(source.metadata.epsg, 32611);
  assert.deepEqual(source.metadata.geoTransform, geoTransform);
  const maskFile = path.join(dir, 'mask.tif');
  await writeGeoTiffMask(maskFile, source, Uint8Array.from([0, 1, 1, 255, 2, 2, 0, 0]));
  await source.close();
  const { raster } = await readBack(maskFile);
  assert.equal(raster.metadata.epsg, 32611);
  assert.deepEqual(raster.metadata.geoTransform, geoTransform);
  assert.equal(raster.nodata, 255);
  assert.deepEqual(Array.from((await readMask(maskFile, { numClasses: 3 })).data), [0, 1, 1, 255, 2, 2, 0, 0]);
});

test('a rotated geotransform is written as a ModelTransformation', async () => {
  const geoTransform = [1000, 10, 2, 5000, 3, -10];
  const file = path.join(dir, 'rotated.tif');
  await writeTiff(file, { width: 2, height: 2, bands: 1, data: new Uint8Array(4), layout: 'pixel', georeference: { geoTransform, epsg: 3857 } });
  const { raster } = await readBack(file);
  assert.deepEqual(raster.metadata.geoTransform, geoTransform);
  assert.equal(raster.metadata.epsg, 3857);
});
