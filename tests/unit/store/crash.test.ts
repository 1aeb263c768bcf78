import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openWorkspace, type Workspace } from '../../../src/store/workspace.ts';
import { tempDir } from './temp-workspace.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const IMAGES = 120;
const SIDE = 96;

function snapshot(ws: Workspace, projectId: number) {
  return ws.images.query({ projectId }).images.map((image) => ({
    image,
    mask: ws.masks.current(image.id),
    revisions: ws.masks.revisions(image.id),
  }));
}

/** Runs the writer until it reports being inside its big transaction, records the WAL size then, and SIGKILLs it. */
function killMidTransaction(dir: string, firstId: number): Promise<{ walAfterCommit: number; walAtKill: number; signal: string | null }> {
  const wal = path.join(dir, 'workspace.sqlite-wal');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'crash-writer.ts'), dir, String(firstId), String(IMAGES), String(SIDE)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let walAfterCommit = -1;
  let walAtKill = -1;
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    if (walAfterCommit < 0 && buffered.includes('committed\n')) walAfterCommit = fs.statSync(wal).size;
    if (walAtKill < 0 && buffered.includes('in-transaction\n')) {
      walAtKill = fs.statSync(wal).size;
      child.kill('SIGKILL');
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (walAtKill < 0) reject(new Error(`writer exited (code ${code}, signal ${signal}) before its transaction began:\n${stderr}${buffered}`));
      else resolve({ walAfterCommit, walAtKill, signal });
    });
  });
}

test('SIGKILL in the middle of a large write transaction keeps every commit and nothing of the torn one', async (t) => {
  const dir = tempDir(t);
  let ws = openWorkspace(dir);
  const project = ws.projects.create('crash', [{ name: 'bg', color: '#000000' }, { name: 'fg', color: '#ffffff' }]);
  const images = ws.images.addMany(Array.from({ length: IMAGES }, (_, i) => ({
    projectId: project.id, path: `/img/${i}.png`, name: `${i}.png`, contentHash: `h${i}`, width: SIDE, height: SIDE, channels: 1, modality: 'gray',
  })));
  ws.transaction(() => {
    for (const [i, image] of images.entries()) {
      const mask = new Uint8Array(SIDE * SIDE).fill(255);
      mask.fill(i % 2, 0, (i + 1) * 50); // a different partial mask per image
      ws.masks.save(image.id, mask, SIDE, SIDE);
    }
  });
  const before = snapshot(ws, project.id);
  ws.close(); // the last connection checkpoints, so the WAL starts empty for the writer

  const { walAfterCommit, walAtKill, signal } = await killMidTransaction(dir, images[0].id);
  assert.equal(signal, 'SIGKILL');
  t.diagnostic(`WAL: ${walAfterCommit} bytes after the commit, ${walAtKill} bytes at the kill`);
  assert.ok(walAtKill > walAfterCommit, `uncommitted pages reached the WAL before the kill (${walAfterCommit} -> ${walAtKill} bytes)`);

  ws = openWorkspace(dir);
  t.after(() => ws.close());
  assert.equal(ws.db.pragma('integrity_check', { simple: true }), 'ok');
  assert.deepEqual(ws.db.pragma('foreign_key_check'), []);
  const after = snapshot(ws, project.id);

  // The one committed save survived...
  const first = after[0];
  assert.equal(first.mask!.revision, 2);
  assert.deepEqual(first.mask!.data, new Uint8Array(SIDE * SIDE).fill(1));
  assert.equal(first.image.labelStatus, 'labeled');
  assert.deepEqual(first.revisions.slice(0, 1), before[0].revisions);
  // ...and nothing of the killed transaction did.
  assert.deepEqual(after.slice(1), before.slice(1));
  assert.equal(ws.db.prepare('SELECT count(*) FROM masks').pluck().get(), IMAGES + 1);
});
