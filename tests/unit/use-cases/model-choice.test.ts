// Which model the editor uses: best by validation unless the user picked one, on a real SQLite workspace.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgumentError, NotFoundError } from '../../../src/api/errors.ts';
import type { Workspace } from '../../../src/store/workspace.ts';
import { chooseModel, modelChoice } from '../../../src/use-cases/model-choice.ts';
import { tempWorkspace } from '../store/temp-workspace.ts';

const CLASSES = [{ index: 0, name: 'bg', color: '#000000' }, { index: 1, name: 'cell', color: '#ff0000' }];

/** A model trained by one run whose epochs validated at these mean IoUs, as the workbench records it. */
function trained(ws: Workspace, projectId: number, architecture: string, meanIoUs: (number | null)[]): number {
  const model = ws.models.add({ projectId, name: architecture, architecture, config: {}, classes: CLASSES, directory: `/models/${architecture}` });
  fineTuned(ws, projectId, model.id, meanIoUs);
  return model.id;
}

function fineTuned(ws: Workspace, projectId: number, modelId: number, meanIoUs: (number | null)[]): void {
  const run = ws.runs.start({ projectId, modelId, config: {}, backend: 'wasm' });
  meanIoUs.forEach((meanIoU, i) => ws.runs.addEpoch(run, { epoch: i + 1, loss: 0.5, valLoss: 0.6, perClassIoU: [meanIoU, meanIoU], meanIoU }));
  ws.runs.finish(run, 'completed', {});
}

test('the best model by validation is the default, not the newest', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('cells', CLASSES);
  assert.deepEqual(modelChoice(ws, p.id), { modelId: null, reason: 'none', bestModelId: null, models: [] });
  const unet = trained(ws, p.id, 'unet', [0.6, 0.89, 0.85]);
  const segnet = trained(ws, p.id, 'segnet', [0.2, 0.41]);
  const choice = modelChoice(ws, p.id);
  assert.equal(choice.modelId, unet);
  assert.equal(choice.reason, 'best-validation');
  assert.deepEqual(choice.models.map((m) => [m.id, m.validationMeanIoU]), [[segnet, 0.41], [unet, 0.89]]);
});

test('a fine-tune writes over the model directory, so its last run is what the model scores', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('cells', CLASSES);
  const unet = trained(ws, p.id, 'unet', [0.89]);
  const segnet = trained(ws, p.id, 'segnet', [0.7]);
  fineTuned(ws, p.id, unet, [0.5]);
  assert.equal(modelChoice(ws, p.id).modelId, segnet);
  assert.equal(modelChoice(ws, p.id).models.find((m) => m.id === unet)!.validationMeanIoU, 0.5);
});

test('without any validated epoch the newest model is used; a scored model beats an unscored one', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('cells', CLASSES);
  const first = trained(ws, p.id, 'unet', []);
  const second = trained(ws, p.id, 'segnet', [null]);
  assert.equal(modelChoice(ws, p.id).modelId, second);
  const scored = trained(ws, p.id, 'deeplab', [0.1]);
  trained(ws, p.id, 'segnet-basic', []);
  assert.equal(modelChoice(ws, p.id).modelId, scored);
  assert.notEqual(first, scored);
});

test('a pick overrides the default until it is undone, per project', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('cells', CLASSES);
  const q = ws.projects.create('roads', CLASSES);
  const unet = trained(ws, p.id, 'unet', [0.89]);
  const segnet = trained(ws, p.id, 'segnet', [0.4]);
  const other = trained(ws, q.id, 'unet', [0.3]);
  assert.deepEqual(pick(chooseModel(ws, p.id, segnet)), { modelId: segnet, reason: 'picked' });
  assert.equal(modelChoice(ws, p.id).bestModelId, unet, 'the best is still named beside the pick');
  assert.deepEqual(pick(modelChoice(ws, p.id)), { modelId: segnet, reason: 'picked' }, 'the pick is stored');
  assert.deepEqual(pick(modelChoice(ws, q.id)), { modelId: other, reason: 'best-validation' }, 'another project keeps its default');
  assert.deepEqual(pick(chooseModel(ws, p.id, null)), { modelId: unet, reason: 'best-validation' });
});

test('a model of another project, or none at all, cannot be picked', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('cells', CLASSES);
  const q = ws.projects.create('roads', CLASSES);
  const other = trained(ws, q.id, 'unet', [0.3]);
  assert.throws(() => chooseModel(ws, p.id, other), (e) => e instanceof ArgumentError && /modelId is a model of project \d+, not of project \d+/.test(e.message));
  assert.throws(() => chooseModel(ws, p.id, 999), NotFoundError);
  assert.throws(() => modelChoice(ws, 999), NotFoundError);
  assert.equal(modelChoice(ws, p.id).reason, 'none');
});

const pick = (c: { modelId: number | null; reason: string }) => ({ modelId: c.modelId, reason: c.reason });

test('a picked model that is deleted is forgotten (the foreign key), and the best by validation is used again', (t) => {
  const ws = tempWorkspace(t);
  const p = ws.projects.create('cells', CLASSES);
  const unet = trained(ws, p.id, 'unet', [0.89]);
  const segnet = trained(ws, p.id, 'segnet', [0.4]);
  chooseModel(ws, p.id, segnet);
  ws.db.prepare('DELETE FROM models WHERE id = ?').run(segnet);
  assert.equal(ws.models.chosenFor(p.id), null);
  assert.deepEqual(pick(modelChoice(ws, p.id)), { modelId: unet, reason: 'best-validation' });
});
