import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDisplayImage } from '../../../src/use-cases/display.ts';
import { openRaster, readOverview, writeGeoTiffMask } from '../../../src/io/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const samples = path.resolve(repoRoot, '../shared/data/geotiff-reader-samples');

function hasGdal(): boolean {
  try {
    execFileSync('gdalinfo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('COG overviews: the sizes GDAL lists, geotransform scaled, values readable', async (t) => {
  const file = path.join(samples, 'rio-tiler', 'cog.tif');
  if (!existsSync(file)) return t.skip(`no COG sample at ${file}`);
  const full = await openRaster(file);
  await full.close();
  const sizes = (full.metadata.overviews as { width: number; height: number }[]).map((o) => `${o.width}x${o.height}`);
  assert.deepEqual(sizes, ['1329x1334', '665x667', '333x334', '167x167']);
  const smallest = await readOverview(file, 4);
  try {
    assert.deepEqual([smallest.width, smallest.height], [167, 167]);
    const [ox, px, , oy, , py] = smallest.metadata.geoTransform as number[];
    const [fox, fpx, , foy, , fpy] = full.metadata.geoTransform as number[];
    assert.deepEqual([ox, oy], [fox, foy]);
    assert.ok(Math.abs(px - (fpx * full.width) / 167) < 1e-9 && Math.abs(py - (fpy * full.height) / 167) < 1e-9);
    const values = await smallest.readWindow(0, 0, 167, 167);
    assert.ok(Math.max(...values) > 1000, 'overview holds real data');
  } finally {
    await smallest.close();
  }
});

test('a COG thumbnail is rendered from the smallest overview that fills it, not from the full image', async (t) => {
  const file = path.join(samples, 'rio-tiler', 'cog.tif');
  if (!existsSync(file)) return t.skip(`no COG sample at ${file}`);
  const full = await openRaster(file);
  const overview = await readOverview(file, 2); // 665x667: the smallest of the COG's overviews with ≥ 400 px
  try {
    const shown = await renderDisplayImage(full, { maxSize: 400 });
    assert.deepEqual([shown.width, shown.height], [399, 400]);
    assert.ok(shown.bytes.equals((await renderDisplayImage(overview, { maxSize: 400 })).bytes), 'same pixels as the overview renders');
    const fromFull = await renderDisplayImage({ ...full, metadata: { ...full.metadata, overviews: [] } }, { maxSize: 400 });
    assert.ok(!shown.bytes.equals(fromFull.bytes), 'the full image subsamples to other pixels');
  } finally {
    await Promise.all([full.close(), overview.close()]);
  }
});

test('a mask written for a 4-band NAIP GeoTIFF is read by GDAL with the same CRS and transform', async (t) => {
  const file = path.join(samples, 'opengeos', 'naip_m_4709963_se_14_1_20200831.tif');
  if (!existsSync(file)) return t.skip(`no NAIP sample at ${file}`);
  if (!hasGdal()) return t.skip('gdalinfo not installed (apt-get install gdal-bin)');
  const source = await openRaster(file);
  const dir = await mkdtemp(path.join(tmpdir(), 'segwork-geotiff-mask-'));
  try {
    assert.equal(source.bands, 4);
    const mask = new Uint8Array(source.width * source.height).map((_, i) => (i % 7 === 0 ? 255 : i % 3));
    const out = path.join(dir, 'mask.tif');
    await writeGeoTiffMask(out, source, mask);
    const ours = JSON.parse(execFileSync('gdalinfo', ['-json', out], { encoding: 'utf8' }));
    const theirs = JSON.parse(execFileSync('gdalinfo', ['-json', file], { encoding: 'utf8' }));
    assert.deepEqual(ours.size, theirs.size);
    assert.deepEqual(ours.geoTransform, theirs.geoTransform);
    assert.equal(ours.stac['proj:epsg'], 26914);
    assert.equal(ours.stac['proj:epsg'], theirs.stac['proj:epsg']);
    assert.equal(ours.bands[0].noDataValue, 255);
    assert.equal(ours.bands[0].type, 'Byte');
  } finally {
    await source.close();
    await rm(dir, { recursive: true, force: true });
  }
});
