// Ctrl-C stops `segwork serve` as a server stops: its own message, the workspace closed, exit code 0. It printed
// the training message "Stopping after the current step…", which an idle server has no step to finish.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ensureRendererBuilt, removeDir, REPO_ROOT, tempDir } from './harness.ts';

test('SIGINT to an idle serve closes the workbench and exits 0, without the training message', { timeout: 60_000 }, async (t) => {
  ensureRendererBuilt();
  const dir = tempDir('segwork-e2e-serve-stop-');
  t.after(() => removeDir(dir));
  const child = spawn(process.execPath, ['bin/segwork.js', 'serve', '--port', '0', '--workspace', path.join(dir, 'workspace')], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // The workspace is open once it says how to stop it.
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      stdout += `${line}\n`;
      if (line === 'Press Ctrl-C to stop.') resolve();
    });
    void exited.then((code) => reject(new Error(`serve exited with ${code} before it was ready: ${stderr}`)));
  });
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /Closing the workbench/);
  assert.doesNotMatch(stdout + stderr, /current step/);
});
