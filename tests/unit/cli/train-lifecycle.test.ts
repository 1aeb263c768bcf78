// Training's life cycle as a user meets it: a time budget, Ctrl-C, a kill and --resume, and --seed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { segwork } from '../../helpers/cli.ts';
import { writeSquaresDataset } from '../../helpers/images.ts';
import { repoRoot, tempDir } from '../../helpers/tmp.ts';

interface Events {
  child: ChildProcess;
  events: { type: string; [k: string]: unknown }[];
  /** Resolves with the first event of this type. */
  waitFor(type: string): Promise<void>;
  done: Promise<number>;
}

/** `segwork train ARGS --json` with its steps on `backend`: tfjs's wasm, or ONNX Runtime's compiled step graph. */
function trainProcess(args: string[], backend = 'wasm'): Events {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/segwork.js'), 'train', ...args, '--json'], { env: { ...process.env, SEGWORK_BACKEND: backend } });
  const events: Events['events'] = [];
  const waiters: { type: string; resolve: () => void }[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const event = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      events.push(event);
      for (const w of waiters.filter((w) => w.type === event.type)) w.resolve();
    }
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : 0))));
  void done.then((code) => code > 0 && console.error(stderr));
  return {
    child,
    events,
    done,
    waitFor: (type) => (events.some((e) => e.type === type) ? Promise.resolve() : new Promise((resolve) => waiters.push({ type, resolve }))),
  };
}

function baseArgs(dir: string, extra: string[] = []): string[] {
  const data = writeSquaresDataset(path.join(dir, 'data'), 4, 24, [0, 1]);
  return ['--images', data.images, '--labels', data.labels, '--preset', 'tiny', '--size', '24', '--batch', '2', '--out', path.join(dir, 'model'), '--workspace', path.join(dir, 'ws'), ...extra];
}

test('--time-budget stops at the end of the step that crosses it, then saves', async (t) => {
  const dir = tempDir(t);
  const run = trainProcess(baseArgs(dir, ['--epochs', '50', '--steps', '50', '--time-budget', '1']));
  assert.equal(await run.done, 0);
  const end = run.events.at(-1)!;
  assert.equal(end.type, 'end');
  assert.equal(end.reason, 'time-budget');
  assert.equal(end.epochs, 1, 'the partial epoch is validated and saved');
  assert.ok(run.events.filter((e) => e.type === 'step').length < 50);
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'model', 'segwork.json'), 'utf8')).training.endReason, 'time-budget');
});

test('Ctrl-C cancels cleanly: the run ends as cancelled and the model is saved', async (t) => {
  const dir = tempDir(t);
  const run = trainProcess(baseArgs(dir, ['--epochs', '50', '--steps', '200']));
  await run.waitFor('step');
  run.child.kill('SIGINT');
  assert.equal(await run.done, 0);
  assert.equal(run.events.at(-1)!.reason, 'cancelled');
  assert.ok(run.events.filter((e) => e.type === 'step').length < 200);
  readFileSync(path.join(dir, 'model', 'weights.bin'));
});

for (const backend of ['wasm', 'onnxruntime']) test(`after a kill, --resume continues from the last checkpoint (${backend})`, async (t) => {
  const dir = tempDir(t);
  // ONNX Runtime's steps on these tiny patches take milliseconds: longer epochs leave time to kill it mid-run.
  const args = baseArgs(dir, ['--epochs', '4', '--steps', backend === 'wasm' ? '3' : '300', '--patience', '10']);
  const first = trainProcess(args, backend);
  await first.waitFor('epoch');
  await new Promise((r) => setTimeout(r, 300)); // the checkpoint is written before the epoch event
  first.child.kill('SIGKILL');
  await first.done;
  const killedAfter = first.events.filter((e) => e.type === 'epoch').length;
  assert.ok(killedAfter >= 1 && killedAfter < 4);

  const resumed = trainProcess([...args, '--resume'], backend);
  assert.equal(await resumed.done, 0);
  assert.match(String(resumed.events.find((e) => e.type === 'start')!.backend), new RegExp(`^${backend}`));
  const epochs = resumed.events.filter((e) => e.type === 'epoch').map((e) => e.epoch);
  assert.equal(epochs[0], killedAfter + 1, 'resumes with the epoch after the last checkpoint');
  assert.equal(epochs.at(-1), 4);
  assert.equal(resumed.events.at(-1)!.epochs, 4);
});

test('after Ctrl-C mid-epoch, --resume continues that epoch at its next step, so every step runs once', async (t) => {
  const args = baseArgs(tempDir(t), ['--epochs', '2', '--steps', '40', '--patience', '10']);
  const first = trainProcess(args);
  await first.waitFor('step');
  first.child.kill('SIGINT');
  assert.equal(await first.done, 0);
  const stepsOf = (run: Events) => run.events.filter((e) => e.type === 'step').map((e) => `${e.epoch}.${e.step}`);
  const before = stepsOf(first);
  assert.ok(before.length < 40, `stopped inside epoch 1 (${before.length} steps)`);
  assert.deepEqual(first.events.at(-1), { ...first.events.at(-1), reason: 'cancelled', epochs: 1 });

  const resumed = trainProcess([...args, '--resume']);
  assert.equal(await resumed.done, 0);
  assert.deepEqual(resumed.events.find((e) => e.type === 'start')!.resumedAt, { epoch: 1, step: before.length + 1 });
  const all = [...before, ...stepsOf(resumed)];
  const expected = [1, 2].flatMap((epoch) => Array.from({ length: 40 }, (_, i) => `${epoch}.${i + 1}`));
  assert.deepEqual(all, expected, 'each step of each epoch runs once, in order');
  assert.deepEqual(resumed.events.filter((e) => e.type === 'epoch').map((e) => e.epoch), [1, 2]);
  assert.equal(resumed.events.at(-1)!.epochs, 2);
});

test('--resume says which epoch it resumes from; a fresh run says nothing of resuming', async (t) => {
  const args = ['train', ...baseArgs(tempDir(t), ['--steps', '2'])];
  const first = await segwork([...args, '--epochs', '1']);
  assert.equal(first.code, 0, first.stderr);
  assert.doesNotMatch(first.stderr, /Resuming/);
  const resumed = await segwork([...args, '--epochs', '2', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /^Resuming from epoch 2$/m);
  assert.match(resumed.stderr, /after 2 epoch\(s\)/);
});

test('a resume inside an epoch says at which step it goes on', async (t) => {
  const args = ['train', ...baseArgs(tempDir(t), ['--epochs', '1', '--steps', '2000', '--time-budget', '1'])];
  const first = await segwork(args);
  assert.equal(first.code, 0, first.stderr);
  const resumed = await segwork([...args, '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /^Resuming from epoch 1, step \d+$/m);
});

// U-Net small has dropout: on ONNX Runtime the seed also fixes the sequence of masks.
for (const [backend, preset] of [['wasm', 'tiny'], ['onnxruntime', 'small']]) test(`the same --seed gives the same losses (${backend}, ${preset})`, async (t) => {
  const losses = async () => {
    const run = trainProcess([...baseArgs(tempDir(t), ['--epochs', '1', '--steps', '4', '--seed', '42']), '--preset', preset!], backend);
    assert.equal(await run.done, 0);
    return run.events.filter((e) => e.type === 'step').map((e) => e.loss);
  };
  const [a, b] = [await losses(), await losses()];
  assert.equal(a.length, 4);
  assert.deepEqual(a, b);
});
