import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TiffStripWriter } from '../../../src/io/index.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { readRaster } from '../../helpers/images.ts';

const geoTransform = [440720, 30, 0, 3751320, 0, -30];
const width = 301;
const height = 130;
const bands = 4;
/** Deterministic uint16 samples that do not compress to nothing. */
const samples = Uint16Array.from({ length: width * height * bands }, (_, i) => (i * 2654435761) % 65536);

/** Appends `samples` in uneven chunks of rows, as the tiler hands them out. */
async function appendInChunks(writer: TiffStripWriter, data: Uint16Array): Promise<void> {
  const rowSamples = width * bands;
  for (let y = 0, step = 1; y < height; y += step, step = (step * 3) % 17 + 1) {
    const rows = Math.min(step, height - y);
    await writer.appendRows(data.subarray(y * rowSamples, (y + rows) * rowSamples));
  }
}


test('rows appended in uneven chunks read back identical, with CRS, geotransform and nodata', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'out', 'streamed.tif');
  const writer = await TiffStripWriter.create(file, { width, height, bands, dtype: 'uint16', georeference: { geoTransform, epsg: 32611 }, nodata: 0 });
  assert.ok(writer.rowsPerStrip < height, 'several strips');
  assert.equal(writer.bigTiff, false);
  await appendInChunks(writer, samples);
  assert.equal(existsSync(file), false, 'nothing under the final name before finish()');
  await writer.finish();
  assert.deepEqual(readdirSync(path.dirname(file)), ['streamed.tif'], 'no temp file left');
  const { raster, values } = await readRaster(file);
  assert.deepEqual([raster.width, raster.height, raster.bands, raster.dtype], [width, height, bands, 'uint16']);
  assert.equal(raster.metadata.compression, 'deflate');
  assert.deepEqual(raster.metadata.geoTransform, geoTransform);
  assert.equal(raster.metadata.epsg, 32611);
  assert.equal(raster.nodata, 0);
  assert.deepEqual(values, Float32Array.from(samples));
});

test('BigTIFF: 64-bit header and offsets, same pixels and georeference', async (t) => {
  const file = path.join(tempDir(t), 'big.tif');
  const writer = await TiffStripWriter.create(file, { width, height, bands, dtype: 'uint16', georeference: { geoTransform, epsg: 32611 }, bigTiff: true });
  await appendInChunks(writer, samples);
  await writer.finish();
  const header = readFileSync(file).subarray(0, 8);
  assert.deepEqual(Array.from(header), [0x49, 0x49, 43, 0, 8, 0, 0, 0]);
  const { raster, values } = await readRaster(file);
  assert.deepEqual(raster.metadata.geoTransform, geoTransform);
  assert.equal(raster.metadata.epsg, 32611);
  assert.deepEqual(values, Float32Array.from(samples));
});

test('BigTIFF is chosen when the uncompressed file could pass 4 GB', async (t) => {
  const dir = tempDir(t);
  const big = await TiffStripWriter.create(path.join(dir, 'a.tif'), { width: 40_000, height: 40_000, bands: 4, dtype: 'uint8' });
  const classic = await TiffStripWriter.create(path.join(dir, 'b.tif'), { width: 20_000, height: 20_000, bands: 4, dtype: 'uint8' });
  assert.equal(big.bigTiff, true);
  assert.equal(classic.bigTiff, false);
  await Promise.all([big.abort(), classic.abort()]);
  assert.deepEqual(readdirSync(dir), []);
});

test('planar files: one strip per band, read back pixel-interleaved', async (t) => {
  const file = path.join(tempDir(t), 'planar.tif');
  const writer = await TiffStripWriter.create(file, { width, height, bands, dtype: 'uint16', interleave: 'band' });
  await appendInChunks(writer, samples);
  await writer.finish();
  const { raster, values } = await readRaster(file);
  assert.equal(raster.metadata.interleave, 'band');
  assert.deepEqual(values, Float32Array.from(samples));
});

test('abort() deletes the temp file and leaves an existing target as it was', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'kept.tif');
  writeFileSync(file, 'previous result');
  const writer = await TiffStripWriter.create(file, { width, height, bands, dtype: 'uint16' });
  await writer.appendRows(samples.subarray(0, width * bands * 50));
  await writer.abort();
  await writer.abort();
  assert.deepEqual(readdirSync(dir), ['kept.tif']);
  assert.equal(readFileSync(file, 'utf8'), 'previous result');
});

test('finishing with rows missing, appending too many or the wrong type fails and leaves no file', async (t) => {
  const dir = tempDir(t);
  const short = await TiffStripWriter.create(path.join(dir, 'short.tif'), { width, height, bands, dtype: 'uint16' });
  await short.appendRows(samples.subarray(0, width * bands * 3));
  await assert.rejects(short.finish(), /short\.tif: 3 of 130 rows were written/);
  const long = await TiffStripWriter.create(path.join(dir, 'long.tif'), { width, height, bands, dtype: 'uint16' });
  await assert.rejects(long.appendRows(new Uint16Array(width * bands * (height + 1))), /131 rows appended to an image of 130/);
  await assert.rejects(long.appendRows(new Uint8Array(width * bands)), /rows must be Uint16Array/);
  await assert.rejects(long.appendRows(new Uint16Array(width * bands + 1)), /not whole rows/);
  await long.abort();
  assert.deepEqual(readdirSync(dir), []);
});

test('an output folder that cannot be created is an InputError naming the file', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, 'not-a-folder'), '');
  await assert.rejects(TiffStripWriter.create(path.join(dir, 'not-a-folder', 'x.tif'), { width: 2, height: 2, bands: 1, dtype: 'uint8' }),
    (e: Error) => e.name === 'InputError' && e.message.includes('x.tif') && /cannot write in folder/.test(e.message));
});
