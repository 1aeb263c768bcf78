import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { EpochMetrics } from '../../../src/api/types.ts';
import { ConfusionMatrix } from '../../../src/metrics/confusion.ts';
import { NotFoundError } from '../../../src/api/errors.ts';
import type { Workspace } from '../../../src/store/workspace.ts';
import { tempWorkspace } from './temp-workspace.ts';

const CLASSES = [{ index: 0, name: 'bg', color: '#000000' }, { index: 1, name: 'cell', color: '#ff0000' }];

function epoch(n: number, meanIoU: number | null, extra: Partial<EpochMetrics> = {}): EpochMetrics {
  return { epoch: n, loss: 1 / (n + 1), valLoss: 1.5 / (n + 1), perClassIoU: [meanIoU, null], meanIoU, ...extra };
}

function addModel(ws: Workspace, projectId: number | null, name: string) {
  return ws.models.add({ projectId, name, architecture: 'unet', config: { depth: 3 }, classes: CLASSES, directory: `/models/${name}` });
}

test('models: add, get and list (newest first, optionally by project); a missing project is named', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('p', []);
  const a = addModel(ws, p.id, 'first');
  const b = addModel(ws, null, 'imported');
  const c = addModel(ws, p.id, 'second');
  assert.deepEqual({ ...a, createdAt: '' }, {
    id: a.id, projectId: p.id, name: 'first', architecture: 'unet', directory: '/models/first', createdAt: '', classes: CLASSES, config: { depth: 3 },
  });
  assert.deepEqual(ws.models.get(b.id), b);
  assert.equal(ws.models.get(999), null);
  assert.deepEqual(ws.models.list().map((m) => m.name), ['second', 'imported', 'first']);
  assert.deepEqual(ws.models.list(p.id).map((m) => m.name), ['second', 'first']);
  assert.deepEqual(ws.models.list(p.id + 1), []);
  assert.throws(() => addModel(ws, 42, 'orphan'), /project 42 does not exist/);
  assert.equal(c.projectId, p.id);
});

test('runs: start, epochs, finish, get and list; NaN is stored as null (loss reads back as NaN)', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('p', []);
  const runId = ws.runs.start({ projectId: p.id, modelId: null, config: { epochs: 3, lr: 0.001 }, backend: 'cpu' });
  ws.runs.addEpoch(runId, epoch(0, 0.4));
  ws.runs.addEpoch(runId, epoch(1, 0.6, { perClassIoU: [0.7, Number.NaN], valLoss: null }));
  ws.runs.addEpoch(runId, epoch(2, Number.NaN, { loss: Number.NaN }));
  assert.throws(() => ws.runs.addEpoch(runId, epoch(1, 0.9)), /run \d+ already has epoch 1/);

  let run = ws.runs.get(runId)!;
  assert.equal(run.status, 'running');
  assert.equal(run.endedAt, null);
  assert.deepEqual(run.config, { epochs: 3, lr: 0.001 });
  assert.deepEqual(run.epochs.slice(0, 2), [
    { epoch: 0, loss: 1, valLoss: 1.5, perClassIoU: [0.4, null], meanIoU: 0.4 },
    { epoch: 1, loss: 0.5, valLoss: null, perClassIoU: [0.7, null], meanIoU: 0.6 },
  ]);
  assert.ok(Number.isNaN(run.epochs[2].loss));
  assert.equal(run.epochs[2].meanIoU, null);

  const model = addModel(ws, p.id, 'out');
  ws.runs.setModel(runId, model.id);
  ws.runs.finish(runId, 'completed', { bestMeanIoU: 0.6 });
  run = ws.runs.get(runId)!;
  assert.deepEqual([run.status, run.modelId, run.summary], ['completed', model.id, { bestMeanIoU: 0.6 }]);
  assert.ok(run.endedAt! >= run.startedAt);
  assert.throws(() => ws.runs.finish(runId, 'failed', {}), /has already ended \(completed\)/);
  assert.throws(() => ws.runs.addEpoch(runId, epoch(3, 0.1)), /has already ended/);

  const other = ws.runs.start({ projectId: null, modelId: null, config: {}, backend: 'wasm' });
  assert.deepEqual(ws.runs.list().map((r) => [r.id, r.epochs.length]), [[other, 0], [runId, 3]]);
  assert.deepEqual(ws.runs.list(p.id).map((r) => r.id), [runId]);
  assert.deepEqual(ws.runs.list(p.id)[0], ws.runs.get(runId));
  assert.equal(ws.runs.get(999), null);

  assert.throws(() => ws.runs.start({ projectId: null, modelId: 77, config: {}, backend: 'cpu' }), /model 77 does not exist/);
  assert.throws(() => ws.runs.setModel(999, null), NotFoundError);
  assert.throws(() => ws.runs.setModel(other, 555), /model 555 does not exist/);
  assert.throws(() => ws.runs.addEpoch(999, epoch(0, 0)), /training run 999 does not exist/);
});

test('bestEpochs gives each run its highest mean IoU, earliest epoch on ties, skipping runs without one', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('p', []);
  const q = ws.projects.create('q', []);
  const r1 = ws.runs.start({ projectId: p.id, modelId: null, config: {}, backend: 'cpu' });
  [0.2, 0.7, 0.5, 0.7, null].forEach((m, i) => ws.runs.addEpoch(r1, epoch(i, m)));
  const r2 = ws.runs.start({ projectId: p.id, modelId: null, config: {}, backend: 'cpu' });
  ws.runs.addEpoch(r2, epoch(0, null));
  const r3 = ws.runs.start({ projectId: q.id, modelId: null, config: {}, backend: 'cpu' });
  [0.1, 0.3].forEach((m, i) => ws.runs.addEpoch(r3, epoch(i, m)));
  assert.deepEqual(ws.runs.bestEpochs(), [{ runId: r1, epoch: 1, meanIoU: 0.7 }, { runId: r3, epoch: 1, meanIoU: 0.3 }]);
  assert.deepEqual(ws.runs.bestEpochs(q.id), [{ runId: r3, epoch: 1, meanIoU: 0.3 }]);

  const sql = (ws.db.prepare('EXPLAIN QUERY PLAN SELECT e.epoch FROM epoch_metrics e WHERE e.run_id = ? AND e.mean_iou IS NOT NULL ORDER BY e.mean_iou DESC, e.epoch ASC LIMIT 1')
    .all(r1) as { detail: string }[]).map((r) => r.detail).join(' | ');
  assert.match(sql, /^SEARCH e USING COVERING INDEX epoch_metrics_by_mean_iou/);
});

test('evaluations: a real report and per-image scores round-trip; list is per model, newest first', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('p', [{ name: 'bg', color: '#000000' }, { name: 'cell', color: '#ff0000' }]);
  const image = ws.images.add({ projectId: p.id, path: '/a.png', name: 'a.png', contentHash: 'h', width: 2, height: 2, channels: 1, modality: 'gray' });
  const model = addModel(ws, p.id, 'm');
  const cm = new ConfusionMatrix(2);
  cm.add(Uint8Array.from([0, 0, 1, 255]), Uint8Array.from([0, 1, 1, 1]));
  const report = cm.report(['bg', 'cell']);

  const first = ws.evaluations.add(model.id, p.id, report, [
    { imageId: image.id, path: '/a.png', meanIoU: 0.5, pixelAccuracy: 2 / 3 },
    { path: '/gone.png', meanIoU: Number.NaN, pixelAccuracy: null },
    { imageId: null, path: '/b.png', meanIoU: 0.25, pixelAccuracy: 0.5 },
  ]);
  const second = ws.evaluations.add(model.id, null, report, []);
  const listed = ws.evaluations.list(model.id);
  assert.deepEqual(listed.map((e) => [e.id, e.projectId]), [[second, null], [first, p.id]]);
  assert.deepEqual(listed[1].report, JSON.parse(JSON.stringify(report)));
  assert.equal(listed[1].report.perClass[1].iou, 0.5);
  assert.deepEqual(ws.evaluations.images(first), [
    { imageId: null, path: '/b.png', meanIoU: 0.25, pixelAccuracy: 0.5 },
    { imageId: image.id, path: '/a.png', meanIoU: 0.5, pixelAccuracy: 2 / 3 },
    { imageId: null, path: '/gone.png', meanIoU: null, pixelAccuracy: null },
  ]);
  assert.deepEqual(ws.evaluations.list(model.id + 1), []);

  // One transaction: a bad image id leaves no half-written evaluation behind.
  assert.throws(() => ws.evaluations.add(model.id, p.id, report, [{ imageId: 999, path: '/x', meanIoU: 0, pixelAccuracy: 0 }]), /image 999 does not exist/);
  assert.throws(() => ws.evaluations.add(404, p.id, report, []), /model 404 does not exist/);
  assert.equal(ws.evaluations.list(model.id).length, 2);
});

test('a run whose process died is closed as failed when the workspace opens; live and other-machine runs stay running', (t) => {
  const ws = tempWorkspace(t);
  const ended = spawnSync(process.execPath, ['-e', '0']);
  const deadPid = ended.pid!;
  const ours = ws.runs.start({ projectId: null, modelId: null, config: {}, backend: 'wasm' });
  const dead = ws.runs.start({ projectId: null, modelId: null, config: {}, backend: 'wasm' });
  const elsewhere = ws.runs.start({ projectId: null, modelId: null, config: {}, backend: 'wasm' });
  ws.db.prepare('UPDATE training_runs SET owner_pid = ? WHERE id = ?').run(deadPid, dead);
  ws.db.prepare("UPDATE training_runs SET owner_host = 'another-machine', owner_pid = ? WHERE id = ?").run(deadPid, elsewhere);
  assert.deepEqual(ws.runs.closeOrphans(), [dead]);
  assert.equal(ws.runs.get(dead)!.status, 'failed');
  assert.match(String(ws.runs.get(dead)!.summary?.error), /interrupted: its process \(\d+\) ended/);
  assert.equal(ws.runs.get(ours)!.status, 'running');
  assert.equal(ws.runs.get(elsewhere)!.status, 'running');
  assert.deepEqual(ws.runs.closeOrphans(), [], 'closing is done once');
});
