// A workspace, a model directory and a segment output on a small tmpfs that fills up: one clear error naming the
// file, nothing half-written left where a later run would trust it, and the workspace still opens with every change
// saved before the disk filled. Needs `mount` (root); skips with a message where no small file system can be made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { leftoverTemps, modelLoadProblem } from '../../bench/kill-trial.ts';
import { readMask } from '../../src/io/index.ts';
import { openWorkspace } from '../../src/store/workspace.ts';
import { segwork } from '../helpers/cli.ts';
import { writeSquaresDataset } from '../helpers/images.ts';
import { tempDir } from '../helpers/tmp.ts';
import type { TestContext } from 'node:test';

/** A tmpfs of `size` (e.g. "1m") mounted on a new folder, unmounted when the test ends; null if mounting is refused. */
function smallDisk(t: TestContext, size: string): string | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segwork-full-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
  t.after(() => {
    if (mounted) spawnSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return mounted ? dir : null;
}

const noMount = 'cannot mount a small tmpfs here (needs root and mount); the full-disk cases are not run';
const mountRefused = os.platform() !== 'linux' || spawnSync('id', ['-u']).stdout?.toString().trim() !== '0';

test('a workspace on a full disk: the failed save names the workspace, earlier saves stay, and it reopens', { skip: mountRefused ? noMount : false }, (t) => {
  const disk = smallDisk(t, '1m');
  if (!disk) return t.skip(noMount);
  const ws = openWorkspace(path.join(disk, 'ws'));
  const project = ws.projects.create('p', [{ name: 'a', color: '#000000' }, { name: 'b', color: '#ffffff' }]);
  const saved = new Map<number, Uint8Array>();
  let failure: unknown = null;
  for (let n = 0; n < 1000 && !failure; n++) {
    // Random classes do not compress, so each save takes about 16 kB.
    const mask = new Uint8Array(randomBytes(128 * 128)).map((v) => v & 1);
    try {
      const image = ws.transaction(() => ws.images.add({ projectId: project.id, path: `/images/${n}.png`, name: `${n}.png`, contentHash: String(n), width: 128, height: 128, channels: 1, slices: 1, modality: 'other', metadata: {} }));
      ws.transaction(() => ws.masks.save(image.id, mask, 128, 128));
      saved.set(image.id, mask);
    } catch (error) {
      failure = error;
    }
  }
  assert.ok(failure instanceof Error, 'the disk filled up');
  assert.equal(failure.name, 'InputError');
  assert.match(failure.message, new RegExp(`^${path.join(disk, 'ws', 'workspace.sqlite')}: the disk is full, so this change was not saved`));
  assert.ok(saved.size > 3, `only ${saved.size} masks fitted`);
  ws.close();

  // Still full: it opens, and every save that was acknowledged is there.
  const reopened = openWorkspace(path.join(disk, 'ws'));
  try {
    assert.equal(reopened.db.pragma('integrity_check', { simple: true }), 'ok');
    for (const [imageId, mask] of saved) assert.deepEqual(reopened.masks.current(imageId)?.data, mask, `image ${imageId}`);
  } finally {
    reopened.close();
  }
});

test('a model directory on a full disk: train fails naming the file, and leaves no model that does not load', { skip: mountRefused ? noMount : false }, async (t) => {
  const disk = smallDisk(t, '48k');
  if (!disk) return t.skip(noMount);
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 4, 32);
  const workspace = path.join(dir, 'ws');
  const out = path.join(disk, 'model');
  const run = await segwork(['train', '--images', data.images, '--labels', data.labels, '--out', out, '--model', 'unet', '--preset', 'small', '--size', '32', '--batch', '2', '--steps', '1', '--epochs', '1', '--workspace', workspace]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, new RegExp(`segwork: ${out}/\\S+: the disk is full or the file is over its size limit \\(ENOSPC\\)`));
  assert.deepEqual(leftoverTemps(out), []);
  if (existsSync(path.join(out, 'segwork.json'))) assert.equal(await modelLoadProblem(out), null);
  const ws = openWorkspace(workspace);
  t.after(() => ws.close());
  assert.deepEqual(ws.runs.list().map((r) => r.status), ['failed'], 'the run is recorded as failed, not left running');
});

test('segment onto a full disk: each file that does not fit fails by name, no truncated output stays, a re-run finishes', { skip: mountRefused ? noMount : false }, async (t) => {
  const disk = smallDisk(t, '256k');
  if (!disk) return t.skip(noMount);
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 24, 64);
  const model = path.join(dir, 'model');
  const trained = await segwork(['train', '--images', data.images, '--labels', data.labels, '--out', model, '--model', 'unet', '--preset', 'tiny', '--size', '32', '--batch', '2', '--steps', '1', '--epochs', '1']);
  assert.equal(trained.code, 0, trained.stderr);
  const out = path.join(disk, 'masks');
  const args = ['segment', '--model', model, '--in', data.images, '--out', out, '--probabilities', '--workers', '1'];
  const full = await segwork(args);
  assert.equal(full.code, 2, full.stdout + full.stderr);
  assert.match(full.stdout, new RegExp(`failed: \\S+: the disk is full or the file is over its size limit \\(ENOSPC\\)`));
  assert.deepEqual(leftoverTemps(out), []);
  // Whatever is there under a mask's name is a whole mask: a re-run would skip it.
  for (const name of readdirSync(out).filter((f) => /^img\d+\.png$/.test(f))) assert.equal((await readMask(path.join(out, name))).width, 64, name);

  // Room again: the re-run does the files that failed, skips the finished ones, and every output is there.
  assert.equal(spawnSync('mount', ['-o', 'remount,size=8m', disk]).status, 0);
  const rerun = await segwork(args);
  assert.equal(rerun.code, 0, rerun.stdout + rerun.stderr);
  const files = readdirSync(out);
  assert.equal(files.filter((f) => /^img\d+\.png$/.test(f)).length, 24);
  assert.equal(files.filter((f) => f.endsWith('.probabilities.tif')).length, 24);
  assert.deepEqual(leftoverTemps(out), []);
});
