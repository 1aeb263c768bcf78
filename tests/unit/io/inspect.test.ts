import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { writeTiff } from '../../../src/io/index.ts';
import { inspectCommand } from '../../../src/cli/inspect.ts';
import { EXIT_OK, EXIT_PARTIAL } from '../../../src/cli/command.ts';
import { buildPng } from './png-builder.ts';

const dir = await mkdtemp(path.join(tmpdir(), 'segwork-io-inspect-'));
test.after(() => rm(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, done) { append(String(chunk)); done(); } });
  const code = await inspectCommand.run(argv, {
    stdout: sink((s) => { out += s; }), stderr: sink((s) => { err += s; }), signal: new AbortController().signal,
  });
  return { code, out, err };
}

test('--json --stats on a GeoTIFF: keys, georeferencing, nodata excluded from stats', async () => {
  const file = path.join(dir, 'geo.tif');
  // Two bands, pixel-interleaved: band 0 = 1, 2, -9999(nodata), 4; band 1 = 10, 20, 30, 40.
  const data = Int16Array.from([1, 10, 2, 20, -9999, 30, 4, 40]);
  await writeTiff(file, { width: 2, height: 2, bands: 2, data, layout: 'pixel', nodata: -9999, georeference: { geoTransform: [500000, 10, 0, 4000000, 0, -10], epsg: 32633 } });
  const { code, out } = await run([file, '--json', '--stats']);
  assert.equal(code, EXIT_OK);
  const report = JSON.parse(out);
  assert.deepEqual(
    [report.format, report.width, report.height, report.bands, report.dtype, report.slices, report.epsg, report.nodata],
    ['geotiff', 2, 2, 2, 'int16', 1, 32633, -9999],
  );
  assert.deepEqual(report.geoTransform, [500000, 10, 0, 4000000, 0, -10]);
  assert.deepEqual(report.perBand.map((s: { min: number; max: number; mean: number }) => [s.min, s.max, s.mean]), [[1, 4, 7 / 3], [10, 40, 25]]);
  assert.deepEqual([report.stats.min, report.stats.max, report.stats.count], [1, 40, 7]);
});

test('a folder lists every image and reports unreadable files with exit code 2', async () => {
  const folder = path.join(dir, 'folder');
  await writeTiff(path.join(folder, 'a.tif'), { width: 1, height: 1, bands: 1, data: new Uint8Array([5]), layout: 'pixel' });
  await writeFile(path.join(folder, 'b.png'), buildPng({ width: 2, height: 1, bitDepth: 8, colorType: 0, samples: [3, 4] }));
  await writeFile(path.join(folder, 'broken.png'), 'not a png');
  const { code, out, err } = await run([folder, '--json']);
  assert.equal(code, EXIT_PARTIAL);
  const items = JSON.parse(out);
  assert.deepEqual(items.map((i: { file: string }) => path.basename(i.file)), ['a.tif', 'b.png', 'broken.png']);
  assert.match(items[2].error, /not a supported image/);
  assert.equal(err, '');
  const text = await run([folder]);
  assert.match(text.out, /b\.png {2}png {2}2x1 {2}1 band {2}uint8/);
  assert.match(text.err, /broken\.png: not a supported image/);
});

test('no path is a usage error', async () => {
  await assert.rejects(run([]), /expected at least one FILE_OR_FOLDER/);
});
