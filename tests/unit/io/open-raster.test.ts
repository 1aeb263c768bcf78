import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { writeArrayBuffer } from 'geotiff';
import { InputError, openRaster, readImage, writeTiff } from '../../../src/io/index.ts';
import { buildPng } from './png-builder.ts';

const dir = await mkdtemp(path.join(tmpdir(), 'segwork-io-open-'));
test.after(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const full = path.join(dir, name);
  await writeFile(full, bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes);
  return full;
}

test('8-bit gray PNG decodes to its exact values, one band', async () => {
  const samples = [0, 1, 2, 127, 128, 254, 255, 42, 7];
  const image = await readImage(await file('gray.png', buildPng({ width: 3, height: 3, bitDepth: 8, colorType: 0, samples })));
  assert.deepEqual([image.width, image.height, image.bands], [3, 3, 1]);
  assert.deepEqual(Array.from(image.data), samples);
});

test('16-bit gray PNG keeps full precision as uint16', async () => {
  const samples = [0, 1000, 65535, 256, 4095, 12345];
  const raster = await openRaster(await file('gray16.png', buildPng({ width: 3, height: 2, bitDepth: 16, colorType: 0, samples })));
  assert.equal(raster.dtype, 'uint16');
  assert.deepEqual(Array.from(await raster.readWindow(0, 0, 3, 2)), samples);
  assert.deepEqual(Array.from(await raster.readWindow(1, 1, 2, 1)), [4095, 12345]);
});

test('1-bit gray PNG scales to 0/255 as an image', async () => {
  const image = await readImage(await file('bilevel.png', buildPng({ width: 4, height: 1, bitDepth: 1, colorType: 0, samples: [1, 0, 0, 1] })));
  assert.deepEqual(Array.from(image.data), [255, 0, 0, 255]);
});

test('gray+alpha, RGB and RGBA PNGs keep their stored bands', async () => {
  const ga = await readImage(await file('ga.png', buildPng({ width: 2, height: 1, bitDepth: 8, colorType: 4, samples: [10, 255, 20, 0] })));
  assert.equal(ga.bands, 2);
  assert.deepEqual(Array.from(ga.data), [10, 255, 20, 0]);
  const rgb = await readImage(await file('rgb.png', buildPng({ width: 2, height: 1, bitDepth: 8, colorType: 2, samples: [1, 2, 3, 4, 5, 6] })));
  assert.equal(rgb.bands, 3);
  assert.deepEqual(Array.from(rgb.data), [1, 2, 3, 4, 5, 6]);
  const rgba = await readImage(await file('rgba.png', buildPng({ width: 1, height: 2, bitDepth: 8, colorType: 6, samples: [1, 2, 3, 4, 5, 6, 7, 8] })));
  assert.equal(rgba.bands, 4);
  assert.deepEqual(Array.from(rgba.data), [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('a gray PNG with a transparency key keeps the keyed pixels as stored', async () => {
  const image = await readImage(await file('trns.png', buildPng({ width: 3, height: 1, bitDepth: 8, colorType: 0, samples: [0, 9, 200], transparency: [0, 9] })));
  assert.deepEqual(Array.from(image.data), [0, 9, 200]);
});

test('palette PNG expands to RGB colours', async () => {
  const palette = [[10, 20, 30], [200, 100, 50], [0, 255, 0]];
  const raster = await openRaster(await file('pal.png', buildPng({ width: 3, height: 1, bitDepth: 4, colorType: 3, samples: [2, 0, 1], palette })));
  assert.equal(raster.bands, 3);
  assert.deepEqual(Array.from(await raster.readWindow(0, 0, 3, 1)), [0, 255, 0, 10, 20, 30, 200, 100, 50]);
});

test('JPEG decodes to RGB close to what was encoded', async () => {
  const width = 16;
  const height = 16;
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) rgba.set([200, 40, 90, 255], p * 4);
  const encoded = jpeg.encode({ width, height, data: rgba }, 95);
  const image = await readImage(await file('photo.jpg', encoded.data));
  assert.deepEqual([image.width, image.height, image.bands], [16, 16, 3]);
  const [r, g, b] = image.data;
  assert.ok(Math.abs(r - 200) <= 3 && Math.abs(g - 40) <= 3 && Math.abs(b - 90) <= 3, `got ${r},${g},${b}`);
});

test('TIFF: windowed reads of a multi-band uint16 image, pixel-interleaved', async () => {
  const width = 5;
  const height = 4;
  const values = new Uint16Array(width * height * 2);
  for (let p = 0; p < width * height; p++) values.set([p, 1000 + p], p * 2);
  const tiff = path.join(dir, 'two-band.tif');
  await writeTiff(tiff, { width, height, bands: 2, data: values, layout: 'pixel' });
  const raster = await openRaster(tiff);
  try {
    assert.deepEqual([raster.format, raster.width, raster.height, raster.bands, raster.dtype], ['tiff', 5, 4, 2, 'uint16']);
    // Window x=3..4, y=2..3 → pixels 13, 14, 18, 19.
    assert.deepEqual(Array.from(await raster.readWindow(3, 2, 2, 2)), [13, 1013, 14, 1014, 18, 1018, 19, 1019]);
    await assert.rejects(raster.readWindow(4, 0, 2, 1), RangeError);
  } finally {
    await raster.close();
  }
});

test('GeoTIFF: geotransform, EPSG and nodata come through as metadata', async () => {
  const values = new Float32Array([1.5, -2, 3, -9999]);
  const bytes = writeArrayBuffer(values, {
    width: 2, height: 2, BitsPerSample: [32], SampleFormat: [3],
    ModelPixelScale: [10, 20, 0], ModelTiepoint: [0, 0, 0, 500000, 4000000, 0],
    GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32633, GDAL_NODATA: '-9999',
  });
  const raster = await openRaster(await file('geo.tif', bytes));
  try {
    assert.equal(raster.format, 'geotiff');
    assert.equal(raster.dtype, 'float32');
    assert.equal(raster.nodata, -9999);
    assert.equal(raster.metadata.epsg, 32633);
    assert.deepEqual(raster.metadata.geoTransform, [500000, 10, 0, 4000000, 0, -20]);
    assert.deepEqual(Array.from(await raster.readWindow(0, 0, 2, 2)), [1.5, -2, 3, -9999]);
  } finally {
    await raster.close();
  }
});

test('a text file named .png is "not a supported image"', async () => {
  const fake = await file('notes.png', Buffer.from('hello, this is not an image at all\n'));
  await assert.rejects(openRaster(fake), (error: unknown) =>
    error instanceof InputError && error.file === fake && /not a supported image/.test(error.message));
});

test('a truncated PNG is reported as truncated or corrupt, naming the file', async () => {
  const whole = buildPng({ width: 8, height: 8, bitDepth: 8, colorType: 0, samples: new Array(64).fill(3) });
  const cut = await file('cut.png', whole.subarray(0, whole.length - 30));
  await assert.rejects(openRaster(cut), (error: unknown) =>
    error instanceof InputError && error.message.startsWith(`${cut}: truncated or corrupt PNG`));
});

test('a PNG with damaged compressed data is reported as corrupt', async () => {
  const whole = buildPng({ width: 8, height: 8, bitDepth: 8, colorType: 0, samples: new Array(64).fill(3) });
  const damaged = Buffer.from(whole);
  const idat = damaged.indexOf('IDAT');
  damaged.fill(0xaa, idat + 4, idat + 12);
  await assert.rejects(openRaster(await file('damaged.png', damaged)), /truncated or corrupt PNG/);
});

test('a missing file is an InputError naming it', async () => {
  const missing = path.join(dir, 'nope.png');
  await assert.rejects(openRaster(missing), (error: unknown) => error instanceof InputError && error.file === missing);
});
