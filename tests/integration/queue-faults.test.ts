// The queue under faults, with a real redis-server and real worker processes: workers SIGKILLed mid-job again and
// again, and Redis restarted mid-batch. Every file ends with exactly one complete output (the single machine's),
// the summary counts each file once, and nothing reports success while an output is missing.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { jsonLines, segwork } from '../helpers/cli.ts';
import { startRedis } from '../helpers/redis.ts';
import { tempDir } from '../helpers/tmp.ts';
import { filesUnder, startWorker, thirtyImages, tinyModel, type WorkerProcess } from './queue-fixtures.ts';

/** Small tiles make each job take seconds here, so a kill lands mid-job. */
const SLOW = ['--tile', '64'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function fixture(t: import('node:test').TestContext, count: number) {
  const dir = tempDir(t);
  const model = await tinyModel(dir);
  const source = thirtyImages(t, dir);
  const images = path.join(dir, 'images');
  mkdirSync(images);
  for (const name of readdirSync(source).filter((n) => n.endsWith('.png')).slice(0, count)) copyFileSync(path.join(source, name), path.join(images, name));
  const single = await segwork(['segment', '--model', model, '--in', images, '--out', path.join(dir, 'single'), '--workers', '1', ...SLOW]);
  assert.equal(single.code, 0, single.stderr);
  return { dir, model, images, expected: filesUnder(path.join(dir, 'single')) };
}

test('workers killed with SIGKILL mid-job, repeatedly: each file gets exactly one complete output, counted once', async (t) => {
  const redis = await startRedis(t);
  if (!redis) return;
  const { dir, model, images, expected } = await fixture(t, 8);
  const out = path.join(dir, 'queued');
  const following = segwork(['segment', '--queue', redis.url, '--model', model, '--in', images, '--out', out, '--json', ...SLOW]);
  const workers: WorkerProcess[] = [startWorker(t, redis.url), startWorker(t, redis.url)];
  let killedMidJob = 0;
  for (let round = 0; round < 3; round++) {
    // Wait until a worker is inside a job, then kill it and start a fresh one.
    let victim: WorkerProcess | undefined;
    for (let i = 0; i < 600 && !victim; i++) {
      victim = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null && inJob(w.log()));
      if (!victim) await sleep(100);
    }
    if (!victim) break;
    await sleep(300);
    if (inJob(victim.log())) killedMidJob++;
    victim.child.kill('SIGKILL');
    await victim.exited;
    workers.splice(workers.indexOf(victim), 1, startWorker(t, redis.url));
  }
  const result = await following;
  assert.equal(result.code, 0, result.stderr + workers.map((w) => w.log()).join('\n'));
  t.diagnostic(`${killedMidJob} worker(s) killed mid-job`);
  assert.ok(killedMidJob >= 2, 'workers were killed while running a job');
  const summary = jsonLines(result.stdout).find((l) => l.type === 'summary');
  assert.deepEqual([summary.done, summary.skipped, summary.failed], [8, 0, 0]);
  assert.equal(jsonLines(result.stdout).filter((l) => l.type === 'file').length, 8, 'each file reported once');
  const actual = filesUnder(out);
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), 'exactly the outputs, no temp files left');
  for (const [name, bytes] of expected) assert.ok(bytes.equals(actual.get(name)!), `${name} differs from the single-machine output`);
});

/** Whether a worker's log shows a job started and not yet finished. */
function inJob(log: string): boolean {
  const started = (log.match(/^started: /gm) ?? []).length;
  const ended = (log.match(/^(done|failed|will retry): /gm) ?? []).length;
  return started > ended;
}

test('Redis restarted mid-batch: the batch finishes with every output, or fails saying so, never a false success', async (t) => {
  const redis = await startRedis(t, { persist: true });
  if (!redis) return;
  const { dir, model, images, expected } = await fixture(t, 4);
  const out = path.join(dir, 'queued');
  const following = segwork(['segment', '--queue', redis.url, '--model', model, '--in', images, '--out', out, '--json', ...SLOW]);
  const workers = [startWorker(t, redis.url), startWorker(t, redis.url)];
  for (let i = 0; i < 600 && !workers.some((w) => /^done: /m.test(w.log())); i++) await sleep(100);
  await redis.stop();
  await sleep(1500);
  await redis.start();
  const result = await following;
  if (result.code !== 0) {
    // Allowed: a clear failure. Not allowed: an exit 0 with outputs missing (checked below).
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /Redis/);
    t.diagnostic(`the batch failed after the restart: ${result.stderr.trim()}`);
    return;
  }
  const summary = jsonLines(result.stdout).find((l) => l.type === 'summary');
  assert.deepEqual([summary.done, summary.failed], [4, 0], workers.map((w) => w.log()).join('\n'));
  t.diagnostic('the batch resumed after the restart and finished');
  for (const [name, bytes] of expected) {
    assert.ok(existsSync(path.join(out, name)), `${name} reported done but missing`);
    assert.ok(bytes.equals(filesUnder(out).get(name)!), `${name} differs from the single-machine output`);
  }
});
