import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InputError } from '../../../src/io/raster.ts';
import { WorkspaceVersionError } from '../../../src/api/errors.ts';
import { MIGRATIONS, migrate, schemaVersion } from '../../../src/store/migrations.ts';
import { openWorkspace, WORKSPACE_FILE } from '../../../src/store/workspace.ts';
import { tempDir } from './temp-workspace.ts';

const EXPECTED_TABLES = ['classes', 'epoch_metrics', 'evaluation_images', 'evaluations', 'images', 'masks', 'models', 'projects', 'training_runs'];

function tableNames(db: Database.Database): string[] {
  return db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[];
}

test('an empty directory becomes a workspace at the newest schema version, in WAL mode with foreign keys on', (t) => {
  const dir = path.join(tempDir(t), 'nested', 'ws');
  const ws = openWorkspace(dir);
  t.after(() => ws.close());
  assert.equal(ws.file, path.join(dir, WORKSPACE_FILE));
  assert.ok(fs.existsSync(ws.file));
  assert.equal(schemaVersion(ws.db), MIGRATIONS.length);
  assert.deepEqual(tableNames(ws.db), EXPECTED_TABLES);
  assert.equal(ws.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(ws.db.pragma('foreign_keys', { simple: true }), 1);
  assert.ok((ws.db.pragma('busy_timeout', { simple: true }) as number) > 0);
  // Foreign keys are enforced, not just declared.
  assert.throws(() => ws.db.prepare("INSERT INTO classes (project_id, idx, name, color) VALUES (999, 0, 'x', '#000000')").run(), /FOREIGN KEY/);
});

test('re-opening is idempotent: same version, schema and data', (t) => {
  const dir = tempDir(t);
  const first = openWorkspace(dir);
  first.projects.create('cells', [{ name: 'background', color: '#000000' }]);
  // Statistics tables (sqlite_stat*) come and go with PRAGMA optimize; the schema is everything else.
  const schemaSql = "SELECT sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name";
  const schema = first.db.prepare(schemaSql).pluck().all();
  first.close();
  const second = openWorkspace(dir);
  t.after(() => second.close());
  assert.equal(schemaVersion(second.db), MIGRATIONS.length);
  assert.deepEqual(second.db.prepare(schemaSql).pluck().all(), schema);
  assert.deepEqual(second.projects.list().map((p) => p.name), ['cells']);
});

test('a workspace from a newer Segwork is refused with a clear error and left untouched', (t) => {
  const dir = tempDir(t);
  openWorkspace(dir).close();
  const file = path.join(dir, WORKSPACE_FILE);
  const raw = new Database(file);
  raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
  raw.close();
  assert.throws(() => openWorkspace(dir), (error: unknown) => {
    assert.ok(error instanceof WorkspaceVersionError);
    assert.ok(error instanceof InputError);
    assert.match(error.message, new RegExp(`${WORKSPACE_FILE}: workspace schema version ${MIGRATIONS.length + 5} is newer than this Segwork understands \\(${MIGRATIONS.length}\\)`));
    return true;
  });
  const check = new Database(file, { readonly: true });
  assert.equal(schemaVersion(check), MIGRATIONS.length + 5);
  check.close();
});

test('a failing migration rolls back its own step and version, keeping the earlier ones', (t) => {
  const db = new Database(path.join(tempDir(t), 'm.sqlite'));
  t.after(() => db.close());
  const migrations = [
    { version: 1, name: 'one', sql: 'CREATE TABLE a (x INTEGER);' },
    { version: 2, name: 'two', sql: 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);' },
  ];
  assert.throws(() => migrate(db, 'm.sqlite', migrations), /no such table: nowhere/);
  assert.equal(schemaVersion(db), 1);
  assert.deepEqual(tableNames(db), ['a']);
  // Fixed, it continues from where it stopped.
  migrations[1].sql = 'CREATE TABLE b (x INTEGER);';
  migrate(db, 'm.sqlite', migrations);
  assert.equal(schemaVersion(db), 2);
  assert.deepEqual(tableNames(db), ['a', 'b']);
});

test('migrations must be numbered 1..n in order', (t) => {
  const db = new Database(path.join(tempDir(t), 'n.sqlite'));
  t.after(() => db.close());
  assert.throws(() => migrate(db, 'n.sqlite', [{ version: 2, name: 'skips one', sql: '' }]), /numbered 2, expected 1/);
  assert.equal(schemaVersion(db), 0);
});

test('a file that is not SQLite is refused, naming the file', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, WORKSPACE_FILE), 'this is a text file, long enough to have a header of sorts\n'.repeat(10));
  assert.throws(() => openWorkspace(dir), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, new RegExp(`${WORKSPACE_FILE}: not a Segwork workspace`));
    return true;
  });
});

/** A database at schema `version` holding what `sql` inserts, then brought up to the newest version. */
function upgradedFrom(t: TestContext, version: number, sql: string): Database.Database {
  const file = path.join(tempDir(t), `v${version}.sqlite`);
  const db = new Database(file);
  t.after(() => db.close());
  migrate(db, file, MIGRATIONS.slice(0, version));
  db.exec(sql);
  migrate(db, file, MIGRATIONS);
  return db;
}

test('migration 2 gives a version-1 workspace per-slice masks: existing masks become slice 0, volumes get their slice count', (t) => {
  const db = upgradedFrom(t, 1, `
    INSERT INTO projects (id, name, created_at) VALUES (1, 'p', 'now');
    INSERT INTO images (id, project_id, path, name, content_hash, width, height, channels, modality, metadata_json, added_at)
      VALUES (1, 1, '/a.png', 'a.png', 'h', 2, 2, 1, 'photo', '{"slices":1}', 'now'),
             (2, 1, '/ct.nii.gz', 'ct.nii.gz', 'h', 2, 2, 1, 'CT', '{"slices":30}', 'now');
    INSERT INTO masks (image_id, revision, created_at, data, labeled_fraction) VALUES (1, 1, 'now', x'00', 0.5);
  `);
  assert.deepEqual(db.prepare('SELECT id, slices FROM images ORDER BY id').all(), [{ id: 1, slices: 1 }, { id: 2, slices: 30 }]);
  assert.deepEqual(db.prepare('SELECT image_id, slice, revision FROM masks').all(), [{ image_id: 1, slice: 0, revision: 1 }]);
});

test('migration 4 lets a version-3 workspace remember a project\'s model: none picked at first', (t) => {
  const db = upgradedFrom(t, 3, `INSERT INTO projects (id, name, created_at) VALUES (1, 'p', 'now');`);
  assert.deepEqual(db.prepare('SELECT id, name, model_id FROM projects').all(), [{ id: 1, name: 'p', model_id: null }]);
});

test('migration 5 marks the masks of NIfTI images the old reader read as stored in file order, and only those', (t) => {
  const db = upgradedFrom(t, 4, `
    INSERT INTO projects (id, name, created_at) VALUES (1, 'p', 'now');
    INSERT INTO images (id, project_id, path, name, content_hash, width, height, channels, modality, metadata_json, added_at)
      VALUES (1, 1, '/old.nii.gz', 'old.nii.gz', 'h', 2, 2, 1, 'volume', '{"format":"nifti"}', 'now'),
             (2, 1, '/unlabeled.nii.gz', 'unlabeled.nii.gz', 'h', 2, 2, 1, 'volume', '{"format":"nifti"}', 'now'),
             (3, 1, '/new.nii.gz', 'new.nii.gz', 'h', 2, 2, 1, 'volume', '{"format":"nifti","displayReversed":[true,true,false]}', 'now'),
             (4, 1, '/a.png', 'a.png', 'h', 2, 2, 1, 'photo', '{"format":"png"}', 'now');
    INSERT INTO masks (image_id, revision, created_at, data, labeled_fraction) VALUES (1, 1, 'now', x'00', 0.5), (3, 1, 'now', x'00', 0.5), (4, 1, 'now', x'00', 0.5);
  `);
  assert.deepEqual(db.prepare('SELECT id, masks_in_file_order AS marked FROM images ORDER BY id').all(), [
    { id: 1, marked: 1 }, { id: 2, marked: 0 }, { id: 3, marked: 0 }, { id: 4, marked: 0 },
  ]);
});
