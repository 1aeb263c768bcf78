// A workspace in a fresh temp directory, closed and deleted when the test ends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { openWorkspace, type Workspace } from '../../../src/store/workspace.ts';

export function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segwork-store-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function tempWorkspace(t: TestContext): Workspace {
  const ws = openWorkspace(tempDir(t));
  t.after(() => ws.close());
  return ws;
}
