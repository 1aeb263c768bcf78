import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyWindow, InputError, openDicomSeries, openRaster, WINDOW_PRESETS } from '../../../src/io/index.ts';
import { readPixels } from '../../helpers/images.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const data = path.resolve(repoRoot, '../shared/data');
const samples = path.join(data, 'dicom-parser-samples');
const ctSeries = path.join(data, 'totalsegmentator-ct-mr', 'example_ct_dicom');


test('MR_small in every available transfer syntax decodes to identical pixels', async (t) => {
  if (!existsSync(samples)) return t.skip(`no sample data at ${samples}`);
  const reference = await readPixels(path.join(samples, 'MR_small.dcm'));
  assert.equal(reference.length, 64 * 64);
  assert.equal(Math.min(...reference), 127);
  assert.equal(Math.max(...reference), 2145);
  const variants = ['MR_small_implicit', 'MR_small_bigendian', 'MR_small_RLE', 'MR_small_jp2klossless', 'MR_small_jpeg_ls_lossless']
    .map((name) => path.join(samples, `${name}.dcm`)).filter(existsSync);
  assert.ok(variants.length >= 3, `expected several MR_small variants, found ${variants.length}`);
  for (const file of variants) assert.deepEqual(await readPixels(file), reference, path.basename(file));
});

test('RGB secondary captures: RLE and JPEG lossless give the same colours', async (t) => {
  const rle = path.join(samples, 'SC_rgb_rle.dcm');
  const lossless = path.join(samples, 'SC_rgb_jpeg_gdcm.dcm');
  if (!existsSync(rle) || !existsSync(lossless)) return t.skip('RGB samples absent');
  const a = await readPixels(rle);
  assert.equal(a.length, 100 * 100 * 3);
  assert.deepEqual(await readPixels(lossless), a);
});

test('CT_small rescales to Hounsfield units', async (t) => {
  const file = path.join(samples, 'CT_small.dcm');
  if (!existsSync(file)) return t.skip('CT_small.dcm absent');
  const raster = await openRaster(file);
  assert.equal(raster.modality, 'CT');
  assert.deepEqual(raster.metadata.rescale, { slope: 1, intercept: -1024, type: 'HU' });
  const values = await raster.readWindow(0, 0, 128, 128);
  // Stored values 128..2191 (SOURCE.txt) minus 1024.
  assert.equal(Math.min(...values), 128 - 1024);
  assert.equal(Math.max(...values), 2191 - 1024);
});

test('JPEG 2000 CT series: 20 slices sorted by position, HU values, lung window', async (t) => {
  if (!existsSync(ctSeries)) return t.skip(`no CT series at ${ctSeries}`);
  const raster = await openDicomSeries(ctSeries);
  assert.deepEqual([raster.width, raster.height, raster.slices, raster.bands], [512, 512, 20, 1]);
  const positions = raster.metadata.imagePositionPatient as number[][];
  const z = positions.map((p) => p[2]);
  assert.deepEqual(z, [...z].sort((a, b) => a - b));
  assert.equal(z[0], -804.5);
  assert.equal(z[19], -766.5);
  assert.equal(raster.metadata.sliceSpacing, 2);
  const middle = await raster.readWindow(0, 0, 512, 512, 10);
  let min = Infinity;
  let max = -Infinity;
  for (const v of middle) { min = Math.min(min, v); max = Math.max(max, v); }
  assert.ok(min >= -1024 && min < -900, `air should be near -1000 HU, min ${min}`);
  assert.ok(max > 300, `bone should exceed 300 HU, max ${max}`);
  assert.equal(middle[0], -1024, 'the corner is outside the scan field');
  assert.equal(applyWindow(middle, WINDOW_PRESETS.bone)[0], 0, 'outside the field is black in the bone window');
  // Lung window: -1024 HU sits 55/255 up the ramp ((-1024 + 600.5) / 1499 + 0.5) * 255.
  assert.equal(applyWindow(middle, WINDOW_PRESETS.lung)[0], 55);
});

test('an unsupported transfer syntax is named in the error', async (t) => {
  const file = path.join(samples, 'MR_small_jp2klossless.dcm');
  if (!existsSync(file)) return t.skip('MR_small_jp2klossless.dcm absent');
  const dir = await mkdtemp(path.join(tmpdir(), 'segwork-dicom-ts-'));
  try {
    const bytes = await readFile(file);
    // Same length UID: JPEG 2000 lossless (…4.90) → JPIP Referenced (…4.94).
    const patched = Buffer.from(bytes.toString('latin1').replace('1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.94'), 'latin1');
    const target = path.join(dir, 'jpip.dcm');
    await writeFile(target, patched);
    const raster = await openRaster(target);
    await assert.rejects(raster.readWindow(0, 0, 64, 64), (error: unknown) =>
      error instanceof InputError && /unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.4\.94 \(JPIP Referenced\)/.test(error.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a truncated DICOM file is an InputError, not a crash', async (t) => {
  const file = path.join(samples, 'CT_small.dcm');
  if (!existsSync(file)) return t.skip('CT_small.dcm absent');
  const dir = await mkdtemp(path.join(tmpdir(), 'segwork-dicom-cut-'));
  try {
    const bytes = await readFile(file);
    const target = path.join(dir, 'cut.dcm');
    await writeFile(target, bytes.subarray(0, bytes.length - 5000));
    await assert.rejects(async () => {
      const raster = await openRaster(target);
      await raster.readWindow(0, 0, raster.width, raster.height);
    }, InputError);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
