// The anomaly columns: a project's anomaly model folder and each image's latest anomaly score, both nullable.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { NotFoundError } from '../../../src/api/errors.ts';
import { migrate, MIGRATIONS } from '../../../src/store/migrations.ts';
import { tempDir, tempWorkspace } from './temp-workspace.ts';

test('a project has no anomaly model until one is set; an image has no score until one is set; both can be cleared', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('p', [{ name: 'a', color: '#000000' }, { name: 'b', color: '#ffffff' }]);
  const [image] = ws.images.addMany([{ projectId: p.id, path: '/data/a.png', name: 'a.png', contentHash: 'h', width: 4, height: 2, channels: 1, modality: 'gray' }]);
  assert.equal(ws.anomaly.modelDir(p.id), null);
  ws.anomaly.setModelDir(p.id, '/models/ae');
  assert.equal(ws.anomaly.modelDir(p.id), '/models/ae');
  ws.anomaly.setModelDir(p.id, null);
  assert.equal(ws.anomaly.modelDir(p.id), null);

  assert.equal(ws.anomaly.score(image!.id), null);
  ws.anomaly.setScore(image!.id, 1.75);
  assert.equal(ws.anomaly.score(image!.id), 1.75);
  ws.anomaly.setScore(image!.id, null);
  assert.equal(ws.anomaly.score(image!.id), null);
  assert.throws(() => ws.anomaly.setScore(image!.id, NaN), /finite number >= 0/);
  assert.throws(() => ws.anomaly.setScore(999, 1), NotFoundError);
  assert.throws(() => ws.anomaly.setModelDir(999, '/x'), NotFoundError);
});

test('migration 6 gives a version-5 workspace the anomaly columns, empty', (t) => {
  const file = path.join(tempDir(t), 'v5.sqlite');
  const db = new Database(file);
  t.after(() => db.close());
  migrate(db, file, MIGRATIONS.slice(0, 5));
  db.exec(`INSERT INTO projects (id, name, created_at) VALUES (1, 'p', 'now');
    INSERT INTO images (id, project_id, path, name, content_hash, width, height, channels, modality, metadata_json, added_at)
      VALUES (1, 1, '/a.png', 'a.png', 'h', 2, 2, 1, 'photo', '{}', 'now');`);
  migrate(db, file, MIGRATIONS);
  assert.deepEqual(db.prepare('SELECT id, anomaly_model FROM projects').all(), [{ id: 1, anomaly_model: null }]);
  assert.deepEqual(db.prepare('SELECT id, anomaly FROM images').all(), [{ id: 1, anomaly: null }]);
});
