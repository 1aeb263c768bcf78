// Segmenting through a Redis queue (issue 18), with a real redis-server and real `segwork worker` processes:
// three workers write exactly what one machine writes; bad queue URLs and unreachable Redis fail in one line.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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

test('a broken input fails once with its reason; a model changed after queueing is refused; detach, status, cancel', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const dir = tempDir(t);
  const model = await tinyModel(dir);
  const source = thirtyImages(t, dir);
  const images = path.join(dir, 'images');
  mkdirSync(images);
  for (const name of readdirSync(source).filter((n) => n.endsWith('.png')).slice(0, 2)) copyFileSync(path.join(source, name), path.join(images, name));
  writeFileSync(path.join(images, 'broken.png'), 'not a png at all');
  const worker = startWorker(t, redis.url);
  const out = path.join(dir, 'out');
  const run = await segwork(['segment', '--queue', redis.url, '--model', model, '--in', images, '--out', out, '--json']);
  assert.equal(run.code, 2, run.stderr);
  const summary = jsonLines(run.stdout).find((l) => l.type === 'summary');
  assert.deepEqual([summary.done, summary.failed], [2, 1]);
  assert.equal(summary.failures[0].path, path.join(images, 'broken.png'));
  const attempts = worker.log().match(/^\w+( retry)?: .*broken\.png/gm)?.map((line) => line.split(':')[0]);
  assert.deepEqual(attempts, ['started', 'failed'], `failed once, no retry:\n${worker.log()}`);
  // Ctrl-C: the idle worker stops cleanly.
  worker.child.kill('SIGINT');
  assert.equal(await worker.exited, 0, worker.log());

  appendFileSync(path.join(model, 'segwork.json'), '\n');
  const detached = await segwork(['segment', '--queue', redis.url, '--model', model, '--in', images, '--out', out, '--overwrite', '--detach']);
  assert.equal(detached.code, 0, detached.stderr);
  const id = detached.stdout.trim();
  assert.match(id, /^[0-9a-f]{16}$/);
  // The model changes between queueing and working: every job is refused with the reason.
  appendFileSync(path.join(model, 'segwork.json'), '\n');
  startWorker(t, redis.url);
  let status: { states: Record<string, number>; failures: { path: string; reason: string }[] } = { states: {}, failures: [] };
  for (let i = 0; i < 120 && (status.states.failed ?? 0) < 3; i++) {
    const answer = await segwork(['batch', 'status', id, '--queue', redis.url, '--json']);
    assert.equal(answer.code, 0, answer.stderr);
    status = JSON.parse(answer.stdout);
  }
  assert.equal(status.states.failed, 3, JSON.stringify(status));
  for (const failure of status.failures.filter((f) => !f.path.endsWith('broken.png'))) assert.match(failure.reason, /has changed since the batch was enqueued/);
  const cancel = await segwork(['batch', 'cancel', id, '--queue', redis.url]);
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.match(cancel.stdout, new RegExp(`^Batch ${id} cancelled: 0 job\\(s\\) removed, 0 still running`));
  const unknown = await segwork(['batch', 'status', 'nope', '--queue', redis.url]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^segwork: nope: no such batch in this Redis/);
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
