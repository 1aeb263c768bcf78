import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageQuery } from '../../../src/api/types.ts';
import { NotFoundError } from '../../../src/api/errors.ts';
import { buildImageQuery, type NewImage } from '../../../src/store/images.ts';
import type { Workspace } from '../../../src/store/workspace.ts';
import { tempWorkspace } from './temp-workspace.ts';

function newImage(projectId: number, name: string, extra: Partial<NewImage> = {}): NewImage {
  return { projectId, path: `/data/${name}`, name, contentHash: `hash-${name}`, width: 4, height: 2, channels: 1, modality: 'gray', ...extra };
}

/** Sets an image's labeled fraction the real way: by saving a mask with that many labeled pixels (of 8). */
function label(ws: Workspace, imageId: number, labeledPixels: number): void {
  const mask = new Uint8Array(8).fill(255);
  mask.fill(0, 0, labeledPixels);
  ws.masks.save(imageId, mask, 4, 2);
}

function names(ws: Workspace, query: ImageQuery): string[] {
  return ws.images.query(query).images.map((i) => i.name);
}

test('add stores an image and is idempotent on (project, path)', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('p', [{ name: 'bg', color: '#000000' }]);
  const added = ws.images.add(newImage(p.id, 'a.png', { metadata: { pixelSpacing: [0.5, 0.5] } }));
  assert.deepEqual(
    { ...added, addedAt: undefined },
    {
      id: added.id, projectId: p.id, path: '/data/a.png', name: 'a.png', width: 4, height: 2, channels: 1, slices: 1, modality: 'gray',
      labelStatus: 'unlabeled', labeledFraction: 0, maskRevision: null, uncertainty: null, predicted: false,
      contentHash: 'hash-a.png', metadata: { pixelSpacing: [0.5, 0.5] }, addedAt: undefined,
    });
  const again = ws.images.add(newImage(p.id, 'a.png', { contentHash: 'different', width: 9 }));
  assert.deepEqual(again, added);
  assert.deepEqual(ws.images.get(added.id), added);
  assert.equal(ws.images.get(added.id + 1), null);
  // The same path in another project is another image.
  const q = ws.projects.create('q', []);
  assert.notEqual(ws.images.add(newImage(q.id, 'a.png')).id, added.id);
  assert.equal(ws.projects.get(p.id)!.imageCount, 1);
});

test('addMany is one transaction: a bad image or missing project adds none of them', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('p', []);
  const many = ws.images.addMany([newImage(p.id, 'b'), newImage(p.id, 'a'), newImage(p.id, 'b')]);
  assert.deepEqual(many.map((i) => i.name), ['b', 'a', 'b']);
  assert.equal(many[0].id, many[2].id);
  assert.throws(() => ws.images.addMany([newImage(p.id, 'c'), newImage(p.id, 'd', { width: 0 })]), /\/data\/d: width must be a positive integer, got 0/);
  assert.throws(() => ws.images.addMany([newImage(p.id, 'c'), newImage(p.id + 7, 'e')]), /project \d+ does not exist/);
  assert.equal(ws.images.query({ projectId: p.id }).total, 2);
});

test('query filters by status and name, sorts four ways both directions, and pages with a stable total', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('p', [{ name: 'bg', color: '#000000' }]);
  const [a, b, c, d, e] = ws.images.addMany(['a_1', 'B_2', 'c%3', 'd_4', 'e5'].map((n) => newImage(p.id, n)));
  label(ws, b.id, 8); // labeled
  label(ws, c.id, 2); // partial, 0.25
  label(ws, d.id, 6); // partial, 0.75
  ws.images.setUncertainty(a.id, 0.9);
  ws.images.setUncertainty(c.id, 0.1);
  ws.images.setUncertainty(e.id, 0.5);
  ws.images.setPredicted(e.id, true);

  assert.deepEqual(names(ws, { projectId: p.id }), ['a_1', 'B_2', 'c%3', 'd_4', 'e5']); // names sort ignoring ASCII case
  assert.deepEqual(names(ws, { projectId: p.id, sort: 'name', descending: true }), ['e5', 'd_4', 'c%3', 'B_2', 'a_1']);
  assert.deepEqual(names(ws, { projectId: p.id, status: 'partial' }), ['c%3', 'd_4']);
  assert.deepEqual(names(ws, { projectId: p.id, status: 'unlabeled', sort: 'uncertainty', descending: true }), ['a_1', 'e5']);
  assert.deepEqual(names(ws, { projectId: p.id, sort: 'labeledFraction', descending: true }), ['B_2', 'd_4', 'c%3', 'e5', 'a_1']);
  // Never-scored images (NULL) sort as least uncertain.
  assert.deepEqual(names(ws, { projectId: p.id, sort: 'uncertainty' }), ['B_2', 'd_4', 'c%3', 'e5', 'a_1']);
  assert.deepEqual(names(ws, { projectId: p.id, sort: 'addedAt' }), ['a_1', 'B_2', 'c%3', 'd_4', 'e5']);
  assert.deepEqual(names(ws, { projectId: p.id, sort: 'addedAt', descending: true }), ['e5', 'd_4', 'c%3', 'B_2', 'a_1']);

  // '_' and '%' are literal in a name filter, not wildcards; matching ignores ASCII case.
  assert.deepEqual(names(ws, { projectId: p.id, nameContains: '_' }), ['a_1', 'B_2', 'd_4']);
  assert.deepEqual(names(ws, { projectId: p.id, nameContains: '%' }), ['c%3']);
  assert.deepEqual(names(ws, { projectId: p.id, nameContains: 'b' }), ['B_2']);

  const page = ws.images.query({ projectId: p.id, sort: 'name', offset: 1, limit: 2 });
  assert.equal(page.total, 5);
  assert.deepEqual(page.images.map((i) => i.name), ['B_2', 'c%3']);
  assert.equal(ws.images.query({ projectId: p.id, status: 'partial', limit: 1 }).total, 2);
  assert.deepEqual(ws.images.query({ projectId: p.id, offset: 10 }), { total: 5, images: [] });

  const listed = ws.images.query({ projectId: p.id, nameContains: 'e5' }).images[0];
  assert.equal(listed.predicted, true);
  assert.equal(listed.uncertainty, 0.5);
  const partial = ws.images.query({ projectId: p.id, nameContains: 'd_4' }).images[0];
  assert.deepEqual([partial.labelStatus, partial.labeledFraction, partial.maskRevision], ['partial', 0.75, 1]);
  assert.equal(ws.projects.get(p.id)!.labeledCount, 3);

  assert.throws(() => ws.images.query({ projectId: p.id, limit: -1 }), /limit must be a non-negative integer, got -1/);
  assert.throws(() => ws.images.query({ projectId: p.id, sort: 'size' as ImageQuery['sort'] }), /unknown sort "size"/);
  assert.throws(() => ws.images.query({ projectId: p.id, status: 'done' as ImageQuery['status'] }), /unknown label status "done"/);
});

test('mostUncertainUnlabeled picks the highest-scored unlabeled image; setters name a missing image', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('p', [{ name: 'bg', color: '#000000' }]);
  assert.equal(ws.images.mostUncertainUnlabeled(p.id), null);
  const [a, b, c] = ws.images.addMany(['a', 'b', 'c'].map((n) => newImage(p.id, n)));
  assert.equal(ws.images.mostUncertainUnlabeled(p.id), null, 'no image has a score yet');
  ws.images.setUncertainty(a.id, 0.2);
  ws.images.setUncertainty(b.id, 0.8);
  ws.images.setUncertainty(c.id, 0.5);
  assert.equal(ws.images.mostUncertainUnlabeled(p.id)!.name, 'b');
  label(ws, b.id, 1); // now partial: no longer a candidate
  assert.equal(ws.images.mostUncertainUnlabeled(p.id)!.name, 'c');
  ws.images.setUncertainty(c.id, null);
  assert.equal(ws.images.mostUncertainUnlabeled(p.id)!.name, 'a');

  assert.throws(() => ws.images.setUncertainty(999, 0.1), NotFoundError);
  assert.throws(() => ws.images.setPredicted(999, true), /image 999 does not exist/);
  assert.throws(() => ws.images.setUncertainty(a.id, Number.NaN), /must be a finite number/);
});

function plan(ws: Workspace, sql: string, params: unknown[]): string {
  return (ws.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');
}

test('every listing shape and the active-learning pick are index searches without a sort step', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('p', [{ name: 'bg', color: '#000000' }]);
  ws.images.addMany(Array.from({ length: 300 }, (_, i) => newImage(p.id, `img${i}`)));
  ws.db.pragma('optimize'); // with statistics, as a long-lived workspace has them
  for (const status of [undefined, 'unlabeled', 'partial', 'labeled'] as const) {
    for (const sort of ['name', 'labeledFraction', 'uncertainty', 'addedAt'] as const) {
      for (const descending of [false, true]) {
        const built = buildImageQuery({ projectId: p.id, status, sort, descending, offset: 100, limit: 50 });
        const page = plan(ws, built.pageSql, [...built.filterParams, built.limit, built.offset]);
        const label = `${status ?? 'any'}/${sort}/${descending ? 'desc' : 'asc'}: ${page}`;
        assert.match(page, /^SEARCH i USING INDEX images_by_\w+ \(project_id=\?( AND label_status=\?)?\)/, label);
        assert.doesNotMatch(page, /SCAN i|TEMP B-TREE/, label);
        assert.match(page, /SEARCH m USING COVERING INDEX/, `mask revision lookup: ${label}`);
        const count = plan(ws, built.countSql, built.filterParams);
        assert.match(count, /^SEARCH i USING COVERING INDEX/, `count ${label}`);
      }
    }
  }
  // A name filter still walks only this project's index range.
  const named = buildImageQuery({ projectId: p.id, nameContains: 'img1', sort: 'uncertainty', limit: 50 });
  assert.match(plan(ws, named.pageSql, [...named.filterParams, 50, 0]), /^SEARCH i USING INDEX images_by_uncertainty \(project_id=\?\)/);
  const pick = plan(ws, `SELECT id FROM images i WHERE i.project_id = ? AND i.label_status = 'unlabeled' AND i.uncertainty IS NOT NULL
    ORDER BY i.uncertainty DESC, i.id DESC LIMIT 1`, [p.id]);
  assert.match(pick, /^SEARCH i USING COVERING INDEX images_by_status_uncertainty/);
});
