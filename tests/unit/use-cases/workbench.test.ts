import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { untilTrainingEnds } from '../../helpers/job-events.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('the workbench loop on the bundled sample: labels → train in a worker → predict, CAM, evaluate, runs', async (t) => {
  const wb = await createWorkbench({ workspaceDir: tempDir(t), seedSample: true });
  t.after(() => wb.close());
  const [project] = await wb.listProjects();
  assert.equal(project!.name, 'Sample: EM membranes');
  const { images, total } = await wb.listImages({ projectId: project!.id, sort: 'name' });
  assert.equal(total, 6);
  assert.equal(images.filter((i) => i.labelStatus === 'partial').length, 5);

  const { events, ended } = untilTrainingEnds(wb);
  const { job } = await wb.startTraining(project!.id, { epochs: 2, stepsPerEpoch: 3 });
  await ended;
  assert.ok(events.every((e) => e.job === job));
  assert.deepEqual(events.filter((e) => e.kind === 'train' && e.event.type === 'epoch').length, 2);

  const [model] = await wb.listModels(project!.id);
  assert.ok(model, 'training registered a model');
  const runs = await wb.listRuns(project!.id);
  await new Promise((r) => setTimeout(r, 100)); // the run's end is recorded just after the last event
  assert.equal((await wb.listRuns(project!.id))[0]!.epochs.length, 2);
  assert.equal(runs.length, 1);

  const image = images[0]!;
  const prediction = await wb.predict(model!.id, image.id);
  assert.equal(prediction.width, image.width);
  assert.equal(Buffer.from(prediction.mask, 'base64').length, image.width * image.height);
  assert.equal(Buffer.from(prediction.probabilities, 'base64').length, 2 * image.width * image.height);
  assert.ok(prediction.uncertaintyScore >= 0 && prediction.uncertaintyScore <= 1);
  const after = await wb.listImages({ projectId: project!.id, sort: 'uncertainty', descending: true });
  assert.equal(after.images.find((i) => i.id === image.id)!.predicted, true);

  const cam = await wb.cam({ modelId: model!.id, imageId: image.id, classIndex: 0 });
  assert.equal(Buffer.from(cam.heatmap, 'base64').length, image.width * image.height);
  const report = await wb.evaluate(model!.id, project!.id);
  assert.equal(report.perClass.length, 2);
});

test('mask patches: applied on the newest revision, checked against the image and the classes', async (t) => {
  const wb = await createWorkbench({ workspaceDir: tempDir(t), seedSample: true });
  t.after(() => wb.close());
  const [project] = await wb.listProjects();
  const unlabeled = (await wb.listImages({ projectId: project!.id, status: 'unlabeled' })).images[0]!;
  const empty = await wb.getMask(unlabeled.id);
  assert.equal(empty.revision, 0);
  assert.ok(Buffer.from(empty.data, 'base64').every((v) => v === 255));

  const patch = (x: number, y: number, values: number[]) => ({ x, y, width: values.length, height: 1, data: Buffer.from(values).toString('base64') });
  const first = await wb.saveMaskPatches(unlabeled.id, 0, [patch(10, 20, [0, 1, 1])]);
  // A second window still at revision 0 paints elsewhere: its stroke lands on top of the first, which survives.
  const second = await wb.saveMaskPatches(unlabeled.id, 0, [patch(50, 60, [1])]);
  assert.ok(second.revision > first.revision);
  const mask = Buffer.from((await wb.getMask(unlabeled.id)).data, 'base64');
  assert.deepEqual([mask[20 * unlabeled.width + 10], mask[20 * unlabeled.width + 12], mask[60 * unlabeled.width + 50]], [0, 1, 1]);

  await assert.rejects(wb.saveMaskPatches(unlabeled.id, 2, [patch(unlabeled.width - 1, 0, [1, 1])]), /does not fit/);
  await assert.rejects(wb.saveMaskPatches(unlabeled.id, 2, [patch(0, 0, [7])]), /uses class 7 but the project has 2 classes/);
  assert.equal((await wb.getMask(unlabeled.id)).revision, second.revision, 'a refused patch changes nothing');

  // An 8-bit PNG goes to the browser untouched; a thumbnail is rendered small.
  const display = await wb.displayImage(unlabeled.id);
  assert.equal(display.mime, 'image/png');
  assert.deepEqual(Buffer.from(display.data, 'base64'), readFileSync(unlabeled.path));
  const thumb = await wb.displayImage(unlabeled.id, { maxSize: 64 });
  assert.deepEqual([thumb.width, thumb.height], [64, 64]);
  assert.ok(Buffer.from(thumb.data, 'base64').subarray(1, 4).toString() === 'PNG');

  await assert.rejects(wb.uploadImage(project!.id, 'notes.png', Buffer.from('not an image').toString('base64')), /notes.png/);
  assert.equal((await wb.listImages({ projectId: project!.id })).total, 6, 'a refused upload leaves the project unchanged');
});

test('fine-tuning (live mode\'s rounds) trains the base model on ONNX Runtime, and its prediction follows the new weights', async (t) => {
  const wb = await createWorkbench({ workspaceDir: tempDir(t), seedSample: true });
  t.after(() => wb.close());
  const [project] = await wb.listProjects();
  const { images } = await wb.listImages({ projectId: project!.id, sort: 'name' });
  const trainRound = async (baseModelId?: number) => {
    const starts: string[] = [];
    const ended = new Promise<void>((resolve, reject) =>
      wb.onJobEvent((e) => {
        if (e.kind === 'error') reject(new Error(e.message));
        if (e.kind === 'train' && e.event.type === 'start') starts.push(e.event.backend);
        if (e.kind === 'train' && e.event.type === 'end') resolve();
      }),
    );
    await wb.startTraining(project!.id, { epochs: 1, stepsPerEpoch: 3, ...(baseModelId !== undefined ? { baseModelId } : {}) });
    await ended;
    return starts;
  };
  assert.deepEqual(await trainRound(), ['onnxruntime (cpu)']);
  const [model] = await wb.listModels(project!.id);
  const before = await wb.predict(model!.id, images[0]!.id);
  assert.deepEqual(await trainRound(model!.id), ['onnxruntime (cpu)'], 'the fine-tuning round ran on ONNX Runtime');
  assert.equal((await wb.listModels(project!.id)).length, 1, 'fine-tuning keeps training the same model');
  const after = await wb.predict(model!.id, images[0]!.id);
  assert.notEqual(after.probabilities, before.probabilities, 'the prediction comes from the fine-tuned weights');
});
