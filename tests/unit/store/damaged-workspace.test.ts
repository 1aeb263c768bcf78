// A workspace damaged on disk (a bad sector, a copy taken mid-write) fails as one InputError naming the file,
// wherever the damaged page is first read: not as SQLite's own "database disk image is malformed".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../../../src/io/raster.ts';
import { openWorkspace, WORKSPACE_FILE } from '../../../src/store/workspace.ts';
import { tempDir } from './temp-workspace.ts';

const PAGE = 4096;

for (const [where, firstPage] of [['at open', 2], ['at the first query that reads it', 4]] as const) {
  test(`a damaged page of a workspace is reported as a damaged workspace file, ${where}`, (t) => {
    const dir = tempDir(t);
    const ws = openWorkspace(dir);
    ws.projects.create('kidneys', [{ name: 'background', color: '#000000' }, { name: 'kidney', color: '#ff0000' }]);
    ws.close();
    const file = path.join(dir, WORKSPACE_FILE);
    const bytes = fs.readFileSync(file);
    for (let i = PAGE * (firstPage - 1); i < bytes.length; i++) bytes[i] = (i * 37) & 255;
    fs.writeFileSync(file, bytes);

    assert.throws(
      () => {
        const damaged = openWorkspace(dir);
        try {
          damaged.projects.list();
        } finally {
          damaged.close();
        }
      },
      (error: unknown) => {
        assert.ok(error instanceof InputError, `an InputError, not ${String(error)}`);
        assert.equal(error.file, file);
        assert.match(error.message, /the workspace file is damaged/);
        return true;
      },
    );
  });
}

test('a workspace whose tables no longer match its schema version is refused at open, naming the missing table', (t) => {
  const dir = tempDir(t);
  openWorkspace(dir).close();
  const db = new Database(path.join(dir, WORKSPACE_FILE));
  db.exec('DROP TABLE evaluation_images');
  db.close();
  assert.throws(() => openWorkspace(dir), (error: unknown) => {
    assert.ok(error instanceof InputError, `an InputError, not ${String(error)}`);
    assert.match(error.message, /the workspace file is damaged: its tables do not match this version's \(evaluation_images\(/);
    return true;
  });
});
