// The workbench's "Weight map" overlay: the separation weight map of an image's saved labels, through the service.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../../src/api/errors.ts';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { separationWeightMap } from '../../../src/training/weight-map.ts';
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
