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

// Found by the 10,000-workspace-mutant campaign: damage in the schema text or in a stored mask surfaced as SQLite's
// own error or a plain Error.
test('a workspace whose schema text names a collation SQLite lacks is reported as a damaged workspace file', (t) => {
  const dir = tempDir(t);
  openWorkspace(dir).close();
  // The schema is stored as text in the file: a flipped bit there is what the campaign's mutant was.
  const file = path.join(dir, WORKSPACE_FILE);
  fs.writeFileSync(file, Buffer.from(fs.readFileSync(file).toString('latin1').replaceAll('NOCASE', 'NOCASU'), 'latin1'));
  assert.throws(() => openWorkspace(dir).close(), (error: unknown) => {
    assert.ok(error instanceof InputError, `an InputError, not ${String(error)}`);
    assert.match(error.message, /the workspace file is damaged \(its schema\).*no such collation sequence: NOCASU/);
    return true;
  });
});

test('a stored mask of the wrong size is reported as a damaged workspace file, naming the image and revision', (t) => {
  const dir = tempDir(t);
  const ws = openWorkspace(dir);
  const project = ws.projects.create('cells', [{ name: 'background', color: '#000000' }, { name: 'cell', color: '#ff0000' }]);
  const image = ws.images.add({ projectId: project.id, path: path.join(dir, 'a.png'), name: 'a.png', contentHash: 'x', width: 4, height: 3, channels: 1, modality: 'photo' });
  ws.masks.save(image.id, new Uint8Array(12), 4, 3);
  ws.close();
  const db = new Database(path.join(dir, WORKSPACE_FILE));
  db.prepare('UPDATE images SET width = 5').run();
  db.close();
  const reopened = openWorkspace(dir);
  t.after(() => reopened.close());
  assert.throws(() => reopened.masks.current(image.id), (error: unknown) => {
    assert.ok(error instanceof InputError, `an InputError, not ${String(error)}`);
    assert.equal(error.file, path.join(dir, WORKSPACE_FILE));
    assert.match(error.message, /damaged: mask revision 1 of image \d+ holds 12 bytes, expected 5×3/);
    return true;
  });
});
