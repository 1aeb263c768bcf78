// A 20,000-pixel-wide GeoTIFF through the queue: split into block jobs over two workers and assembled by a parent
// job, its mask, probabilities and uncertainty are the single-machine streamed path's files, byte for byte.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { writeTiff } from '../../src/io/index.ts';
import { jsonLines, segwork } from '../helpers/cli.ts';
import { startRedis } from '../helpers/redis.ts';
import { tempDir } from '../helpers/tmp.ts';
import { filesUnder, startWorker, tinyModel } from './queue-fixtures.ts';

test('a 20,000 × 512 GeoTIFF split into block jobs gives the single-machine streamed outputs', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const dir = tempDir(t);
  const model = await tinyModel(dir);
  const [width, height] = [20_000, 512];
  const data = new Uint8Array(width * height);
  // Stripes and blobs, so the untrained model's classes change along the whole width.
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (Math.sin(x / 37) * Math.cos(y / 23) * 100 + 128 + ((x * 7919 + y * 104729) % 31)) & 255;
  const images = path.join(dir, 'images');
  await writeTiff(path.join(images, 'wide.tif'), {
    width, height, bands: 1, data, layout: 'pixel',
    georeference: { geoTransform: [500_000, 0.5, 0, 4_000_000, 0, -0.5], epsg: 32633 },
  });
  const options = ['--probabilities', '--uncertainty'];
  const single = await segwork(['segment', '--model', model, '--in', images, '--out', path.join(dir, 'single'), '--workers', '1', ...options]);
  assert.equal(single.code, 0, single.stderr);

  const workers = [startWorker(t, redis.url), startWorker(t, redis.url)];
  const queued = await segwork(['segment', '--queue', redis.url, '--model', model, '--in', images, '--out', path.join(dir, 'queued'), '--block-size', '4096', '--json', ...options]);
  const logs = workers.map((w) => w.log()).join('\n');
  assert.equal(queued.code, 0, queued.stderr + logs);
  assert.equal(jsonLines(queued.stdout).find((l) => l.type === 'summary').done, 1);
  assert.equal((logs.match(/^done: .*wide\.tif block at/gm) ?? []).length, 5, 'five block jobs');
  assert.match(logs, /^done: .*wide\.tif \(assembling blocks\)/m);

  const expected = filesUnder(path.join(dir, 'single'));
  const actual = filesUnder(path.join(dir, 'queued'));
  assert.deepEqual([...actual.keys()].sort(), ['wide.probabilities.tif', 'wide.tif', 'wide.uncertainty.tif'], 'the outputs, and no blocks left');
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs from the single-machine output`);
});
