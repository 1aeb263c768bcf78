// U-Net's training recipe in the workbench: the "Weight map" overlay (the separation weight map of an image's saved
// labels) and training with elastic deformation and the weight map, through the service.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ArgumentError, UserError } from '../../../src/api/errors.ts';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { separationWeightMap } from '../../../src/training/weight-map.ts';
import { untilTrainingEnds } from '../../helpers/job-events.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { writeGrayPng } from '../../helpers/images.ts';

const SIZE = 16;

test('the weight map overlay is the saved labels’ separation weight map, scaled to its maximum', async (t) => {
  const dir = tempDir(t);
  writeGrayPng(path.join(dir, 'a.png'), SIZE, SIZE, new Uint8Array(SIZE * SIZE).fill(90));
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  t.after(() => wb.close());
  const project = await wb.createProject('p', [{ name: 'membrane', color: '#000000' }, { name: 'cell', color: '#ffffff' }]);
  const image = (await wb.addImages(project.id, [dir])).added[0]!;
  await assert.rejects(wb.weightMap({ imageId: image.id, foregroundClass: 1 }), (e: Error) => e instanceof UserError && /no labels yet/.test(e.message));

  // Two cells (4×4 squares) 3 px apart on a membrane background; the last row left unlabeled.
  const mask = new Uint8Array(SIZE * SIZE).fill(0);
  for (let y = 4; y < 8; y++) for (const x0 of [2, 9]) for (let x = x0; x < x0 + 4; x++) mask[y * SIZE + x] = 1;
  mask.fill(255, (SIZE - 1) * SIZE);
  const base = (await wb.getMask(image.id)).revision;
  await wb.saveMaskPatches(image.id, base, [{ x: 0, y: 0, width: SIZE, height: SIZE, data: Buffer.from(mask).toString('base64') }]);

  const overlay = await wb.weightMap({ imageId: image.id, foregroundClass: 1 });
  const expected = separationWeightMap(mask, SIZE, SIZE, { foregroundClass: 1, w0: 10, sigma: 5 }, [1, 1]);
  assert.equal(overlay.objects, 2);
  const heatmap = Buffer.from(overlay.heatmap, 'base64');
  assert.equal(heatmap.length, SIZE * SIZE);
  const max = Math.max(...expected.weights);
  assert.ok(Math.abs(overlay.maxWeight - max) < 1e-5);
  expected.weights.forEach((w, i) => assert.ok(Math.abs(heatmap[i]! - Math.round((w * 255) / max)) <= 1, `pixel ${i}`));
  // The gap between the cells is the brightest; unlabeled pixels are 0.
  assert.equal(heatmap[5 * SIZE + 7], 255);
  assert.equal(heatmap[(SIZE - 1) * SIZE + 3], 0);

  await assert.rejects(wb.weightMap({ imageId: image.id, foregroundClass: 2 }), (e: Error) => e instanceof UserError && /\[0, 1\], got 2/.test(e.message));
  const background = await wb.weightMap({ imageId: image.id, foregroundClass: 0 });
  assert.equal(background.objects, 1, 'the membrane is one object: no border term');
});

test('the workbench trains with the recipe on scribbles (the bundled sample), and refuses a class it does not have', async (t) => {
  const wb = await createWorkbench({ workspaceDir: tempDir(t), seedSample: true });
  t.after(() => wb.close());
  const [project] = await wb.listProjects();
  await assert.rejects(
    wb.startTraining(project!.id, { weightMap: { foregroundClass: 7 } }),
    (e: Error) => e instanceof ArgumentError && /options\.weightMap\.foregroundClass/.test(e.message) && /\[0, 1\], got 7/.test(e.message),
  );
  const { events, ended } = untilTrainingEnds(wb);
  await wb.startTraining(project!.id, { epochs: 1, stepsPerEpoch: 2, elasticSigma: 5, weightMap: { foregroundClass: 1 } });
  await ended;
  const steps = events.flatMap((e) => (e.kind === 'train' && e.event.type === 'step' ? [e.event.loss] : []));
  assert.equal(steps.length, 2);
  assert.ok(steps.every((loss) => Number.isFinite(loss) && loss > 0), `losses ${steps}`);
  const [run] = await wb.listRuns(project!.id);
  assert.deepEqual(run!.config.weightMap, { foregroundClass: 1 });
  assert.equal(run!.config.elasticSigma, 5);
});
