// Segwork's decoded values against the readers radiologists and GIS analysts trust, for every file of those formats
// in ../shared/data: GDAL (gdal_translate to raw) for GeoTIFF, including JPEG-compressed YCbCr tiles; pydicom for
// DICOM (every transfer syntax it decodes here); nibabel for NIfTI. .ci/run installs gdal-bin, python3-pydicom and
// python3-nibabel; without them, or without the shared data, each check skips and says why.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openRaster } from '../../../src/io/index.ts';
import { sharedData, tempDir } from '../../helpers/tmp.ts';

const PYTHON = '/usr/bin/python3';

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every value of every slice, as Segwork decodes it (pixel-interleaved, slice after slice). */
async function segworkValues(file: string): Promise<Float32Array> {
  const raster = await openRaster(file);
  try {
    const slices: Float32Array[] = [];
    for (let s = 0; s < raster.slices; s++) slices.push(await raster.readWindow(0, 0, raster.width, raster.height, s));
    const all = new Float32Array(slices.reduce((n, s) => n + s.length, 0));
    slices.reduce((at, s) => (all.set(s, at), at + s.length), 0);
    return all;
  } finally {
    await raster.close();
  }
}

/** GDAL's values, pixel-interleaved (ENVI BIP), as float32. */
function gdalValues(file: string, dir: string): Float32Array {
  const raw = path.join(dir, `${path.basename(file)}.raw`);
  execFileSync('gdal_translate', ['-q', '-of', 'ENVI', '-co', 'INTERLEAVE=BIP', '-ot', 'Float32', file, raw]);
  const bytes = readFileSync(raw);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function assertSameValues(t: TestContext, name: string, ours: Float32Array, theirs: Float32Array): void {
  assert.equal(ours.length, theirs.length, `${name}: ${ours.length} values, reference has ${theirs.length}`);
  let differing = 0;
  for (let i = 0; i < ours.length; i++) if (!(ours[i] === theirs[i] || (Number.isNaN(ours[i]) && Number.isNaN(theirs[i])))) differing++;
  assert.equal(differing, 0, `${name}: ${differing} of ${ours.length} values differ from the reference reader`);
  t.diagnostic(`${name}: ${ours.length} values identical`);
}

const hasGdal = works('gdal_translate', ['--version']);

test('GeoTIFFs: every value equals GDAL\'s', async (t) => {
  const dir = path.join(sharedData, 'geotiff-reader-samples');
  if (!existsSync(dir)) return t.skip(`no shared data at ${dir}`);
  if (!hasGdal) return t.skip('gdal_translate is not installed (apt-get install gdal-bin)');
  const out = tempDir(t);
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tif')).map((f) => path.join(dir, f));
  for (const file of files) assertSameValues(t, path.relative(dir, file), await segworkValues(file), gdalValues(file, out));
});

test('JPEG-compressed YCbCr TIFF and COG tiles decode to GDAL\'s values exactly', async (t) => {
  const source = path.join(sharedData, 'geotiff-reader-samples/rasterio/RGB.byte.tif');
  if (!existsSync(source)) return t.skip(`no shared data at ${source}`);
  if (!hasGdal) return t.skip('gdal_translate is not installed (apt-get install gdal-bin)');
  const out = tempDir(t);
  // Edge tiles (100 × 75 in 32-px tiles) and a COG with JPEG overviews, as GDAL writes them.
  const variants: [string, string[]][] = [
    ['ycbcr-tiled.tif', ['-outsize', '100', '75', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=32', '-co', 'BLOCKYSIZE=32', '-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR']],
    ['ycbcr-striped.tif', ['-outsize', '120', '90', '-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR']],
    ['jpeg-cog.tif', ['-of', 'COG', '-co', 'COMPRESS=JPEG', '-co', 'BLOCKSIZE=256']],
  ];
  for (const [name, options] of variants) {
    const file = path.join(out, name);
    execFileSync('gdal_translate', ['-q', ...options, source, file]);
    const ours = await segworkValues(file);
    assertSameValues(t, name, ours, gdalValues(file, out));
    // The bug this guards against read band minima of 0 where GDAL reads more: the land pixels must stay above 0.
    assert.ok(ours.some((v) => v > 0));
  }
});

test('DICOM: every sample pydicom decodes here has the same rescaled values in Segwork', async (t) => {
  const dir = path.join(sharedData, 'dicom-parser-samples');
  if (!existsSync(dir)) return t.skip(`no shared data at ${dir}`);
  if (!works(PYTHON, ['-c', 'import pydicom, numpy'])) return t.skip('pydicom is not installed (apt-get install python3-pydicom)');
  const out = tempDir(t);
  // pydicom writes each frame's modality-LUT values as float32 raw, or says why it cannot decode the file.
  const report = JSON.parse(execFileSync(PYTHON, ['-c', `
import json, sys, os, numpy as np, pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut
src, out = sys.argv[1], sys.argv[2]
report = {}
for name in sorted(os.listdir(src)):
    if not name.endswith('.dcm'): continue
    try:
        ds = pydicom.dcmread(os.path.join(src, name))
        if 'PixelData' not in ds or ds.get('Modality') == 'SEG': report[name] = 'no image pixels'; continue
        values = apply_modality_lut(ds.pixel_array, ds).astype(np.float32)
        values.tofile(os.path.join(out, name + '.raw'))
        report[name] = 'ok'
    except Exception as e:
        report[name] = 'pydicom cannot decode it here: %s' % str(e).splitlines()[0][:120]
print(json.dumps(report))
`, dir, out], { encoding: 'utf8' }));
  let compared = 0;
  for (const [name, status] of Object.entries(report as Record<string, string>)) {
    if (status !== 'ok') { t.diagnostic(`${name}: skipped, ${status}`); continue; }
    const bytes = readFileSync(path.join(out, `${name}.raw`));
    assertSameValues(t, name, await segworkValues(path.join(dir, name)), new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
    compared++;
  }
  assert.ok(compared >= 5, `only ${compared} DICOM files could be compared`);
});

test('NIfTI: every volume has nibabel\'s scaled voxel values, slice by slice, shown radiologically', async (t) => {
  const dir = path.join(sharedData, 'totalsegmentator-ct-mr');
  if (!existsSync(dir)) return t.skip(`no shared data at ${dir}`);
  if (!works(PYTHON, ['-c', 'import nibabel, numpy'])) return t.skip('nibabel is not installed (apt-get install python3-nibabel)');
  const out = tempDir(t);
  for (const name of readdirSync(dir).filter((n) => /\.nii(\.gz)?$/.test(n))) {
    const raw = path.join(out, `${name}.raw`);
    // Axis-2 slices one after another, i fastest: NumPy's Fortran order of the (i, j, k) array, each in-plane axis
    // turned as Segwork displays volumes (radiological: columns toward the patient's left, rows toward posterior or
    // inferior), worked out here from nibabel's affine on its own, so the rule in src/io/orientation.ts is checked too.
    execFileSync(PYTHON, ['-c', `
import sys, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
values = np.asarray(img.dataobj, dtype=np.float32)
for axis in (0, 1):
    lps = np.array([-img.affine[0, axis], -img.affine[1, axis], img.affine[2, axis]])
    main = int(np.argmax(np.abs(lps)))
    if lps[main] != 0 and (lps[main] > 0 if main == 2 else lps[main] < 0):
        values = np.flip(values, axis)
values.ravel(order="F").tofile(sys.argv[2])
`, path.join(dir, name), raw]);
    const bytes = readFileSync(raw);
    assertSameValues(t, name, await segworkValues(path.join(dir, name)), new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  }
});
