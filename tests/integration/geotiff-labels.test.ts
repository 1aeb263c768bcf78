// The GIS flow through the CLI on a real 4-band NAIP GeoTIFF: imported as one 4-band image, painted, exported as a
// mask with the image's CRS and geotransform (checked by our reader, and by GDAL when installed) and as GeoJSON
// polygons in that CRS, and the export folder trains a 4-band model as --labels.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { jsonLines, segwork } from '../helpers/cli.ts';
import { sharedData, tempDir } from '../helpers/tmp.ts';
import { georeferenceOf, openRaster, readMask } from '../../src/io/index.ts';
import { openWorkspace } from '../../src/store/workspace.ts';

const NAIP = path.join(sharedData, 'geotiff-reader-samples', 'opengeos', 'naip_m_4709963_se_14_1_20200831.tif');
const skip = existsSync(NAIP) ? false : `no ${NAIP} (shared data absent)`;

function gdalinfo(file: string): { geoTransform: number[]; stac: Record<string, unknown>; size: number[] } | null {
  try {
    return JSON.parse(execFileSync('gdalinfo', ['-json', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return null;
  }
}

test('4-band GeoTIFF: paint, export a georeferenced mask, train on all bands from the export', { skip }, async (t) => {
  const dir = tempDir(t);
  const images = path.join(dir, 'images');
  mkdirSync(images);
  symlinkSync(NAIP, path.join(images, path.basename(NAIP)));
  const wsDir = path.join(dir, 'ws');
  const imported = await segwork(['import', images, '--project', 'land', '--json', '--workspace', wsDir]);
  assert.equal(imported.code, 0, imported.stderr);

  const ws = openWorkspace(wsDir);
  const image = ws.images.query({ projectId: ws.projects.byName('land')!.id }).images[0]!;
  assert.equal(image.channels, 4);
  const painted = new Uint8Array(image.width * image.height).fill(255);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) painted[(100 + y) * image.width + 200 + x] = x < 32 ? 0 : 1;
  ws.masks.save(image.id, painted, image.width, image.height);
  ws.close();

  const labels = path.join(dir, 'labels');
  const exported = await segwork(['export', '--project', 'land', '--out', labels, '--json', '--workspace', wsDir]);
  assert.equal(exported.code, 0, exported.stderr);
  const maskFile = path.join(labels, path.basename(NAIP).replace(/\.tif$/, '.labels.tif'));
  assert.deepEqual(JSON.parse(exported.stdout).files, [maskFile], 'auto format: a GeoTIFF named <image>.labels.tif');
  const [source, mask] = [await openRaster(NAIP), await openRaster(maskFile)];
  assert.deepEqual(georeferenceOf(mask), georeferenceOf(source), 'same CRS and geotransform');
  assert.deepEqual([mask.width, mask.height, mask.bands, mask.nodata], [source.width, source.height, 1, 255]);
  await Promise.all([source.close(), mask.close()]);
  assert.deepEqual((await readMask(maskFile)).data, painted);
  const gdal = gdalinfo(maskFile);
  if (gdal) {
    const reference = gdalinfo(NAIP)!;
    assert.deepEqual([gdal.size, gdal.geoTransform, gdal.stac['proj:epsg']], [reference.size, reference.geoTransform, reference.stac['proj:epsg']]);
  } else {
    t.diagnostic('gdalinfo not installed: GDAL check skipped (apt-get install gdal-bin)');
  }

  const vectors = await segwork(['export', '--project', 'land', '--out', path.join(dir, 'vectors'), '--format', 'geojson', '--workspace', wsDir]);
  assert.equal(vectors.code, 0, vectors.stderr);
  const geojson = JSON.parse(readFileSync(path.join(dir, 'vectors', path.basename(NAIP).replace(/\.tif$/, '.geojson')), 'utf8'));
  assert.equal(geojson.crs.properties.name, 'urn:ogc:def:crs:EPSG::26914');
  assert.deepEqual(geojson.features.map((f: { properties: { class: number } }) => f.properties.class), [0, 1], 'one square per painted class');
  const [ox, a, , oy, , e] = georeferenceOf(await openRaster(NAIP).then(async (r) => (await r.close(), r)))!.geoTransform;
  const xs = geojson.features[1].geometry.coordinates[0].map((p: number[]) => p[0]);
  const ys = geojson.features[1].geometry.coordinates[0].map((p: number[]) => p[1]);
  assert.deepEqual([Math.min(...xs), Math.max(...xs)], [ox! + 232 * a!, ox! + 264 * a!], 'class 1 spans columns 232..264');
  assert.deepEqual([Math.max(...ys), Math.min(...ys)], [oy! + 100 * e!, oy! + 164 * e!], 'and rows 100..164');

  const model = path.join(dir, 'model');
  const train = await segwork(['train', '--images', images, '--labels', labels, '--out', model, '--preset', 'tiny', '--size', '64',
    '--batch', '2', '--epochs', '1', '--steps', '2', '--val-split', '0', '--json', '--workspace', wsDir]);
  assert.equal(train.code, 0, train.stderr);
  assert.equal(jsonLines(train.stdout)[0].trainImages, 1);
  const meta = JSON.parse(readFileSync(path.join(model, 'segwork.json'), 'utf8'));
  assert.equal(meta.inputChannels, 4);
  assert.equal(meta.normalisation.mean.length, 4, 'per-band statistics for all four bands');

  const out = path.join(dir, 'segmented');
  const segmented = await segwork(['segment', '--model', model, '--in', images, '--out', out, '--geojson', '--workers', '1']);
  assert.equal(segmented.code, 0, segmented.stderr);
  const predicted = await openRaster(path.join(out, path.basename(NAIP)));
  const naip = await openRaster(NAIP);
  assert.deepEqual(georeferenceOf(predicted), georeferenceOf(naip), 'the predicted mask keeps the CRS and transform');
  await Promise.all([predicted.close(), naip.close()]);
  const polygons = JSON.parse(readFileSync(path.join(out, path.basename(NAIP).replace(/\.tif$/, '.geojson')), 'utf8'));
  assert.equal(polygons.crs.properties.name, 'urn:ogc:def:crs:EPSG::26914');
  assert.ok(polygons.features.length > 0);
});
