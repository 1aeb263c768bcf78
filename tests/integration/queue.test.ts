// Segmenting through a Redis queue (issue 18), with a real redis-server and real `segwork worker` processes:
// three workers write exactly what one machine writes; bad queue URLs and unreachable Redis fail in one line.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { jsonLines, segwork } from '../helpers/cli.ts';
import { startRedis } from '../helpers/redis.ts';
import { tempDir } from '../helpers/tmp.ts';
import { filesUnder, startWorker, thirtyImages, tinyModel } from './queue-fixtures.ts';

test('three workers on one Redis segment 30 images into the same files as segment on one machine', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const dir = tempDir(t);
  const model = await tinyModel(dir);
  const images = thirtyImages(t, dir);
  const options = ['--probabilities', '--tile', '256'];
  const single = await segwork(['segment', '--model', model, '--in', images, '--out', path.join(dir, 'single'), '--workers', '1', ...options]);
  assert.equal(single.code, 0, single.stderr);

  const workers = [0, 1, 2].map(() => startWorker(t, redis.url));
  const queued = await segwork(['segment', '--queue', redis.url, '--model', model, '--in', images, '--out', path.join(dir, 'queued'), '--json', ...options]);
  assert.equal(queued.code, 0, queued.stderr + workers.map((w) => w.log()).join('\n'));
  const summary = jsonLines(queued.stdout).find((l) => l.type === 'summary');
  assert.equal(summary.done, 30);
  assert.equal(summary.failed, 0);

  const expected = filesUnder(path.join(dir, 'single'));
  const actual = filesUnder(path.join(dir, 'queued'));
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), 'the same files, and no temp files left');
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs from the single-machine output`);
  const busy = workers.filter((w) => /done: /.test(w.log())).length;
  t.diagnostic(`${busy} of 3 workers took jobs`);
  assert.ok(busy >= 2, 'the jobs were spread over the workers');

  // A re-run finds every output and queues nothing.
  const again = await segwork(['segment', '--queue', redis.url, '--model', model, '--in', images, '--out', path.join(dir, 'queued'), '--json', ...options]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(jsonLines(again.stdout).find((l) => l.type === 'summary').skipped, 30);
});

test('a bad queue URL and an unreachable Redis each fail with one clear line', async (t) => {
  const dir = tempDir(t);
  const args = ['--model', path.join(dir, 'model'), '--in', dir, '--out', path.join(dir, 'out')];
  const bad = await segwork(['segment', '--queue', 'http://localhost:6379', ...args]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--queue http:\/\/localhost:6379: has scheme http, not redis; expected redis:\/\/HOST:PORT\[\/DB\]/);
  const down = await segwork(['worker', '--queue', 'redis://127.0.0.1:1']);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^segwork: cannot reach Redis at 127\.0\.0\.1:1 \(ECONNREFUSED\); is redis-server running there\?\n$/);
});
