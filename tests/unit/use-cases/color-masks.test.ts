// The workbench's colour masks: Add images with a label folder maps RGB and palette masks by the project's class
// colours (gray masks stay class indices, unknown colours fail their file with a report), and Export labels writes
// a colour PNG that reads back as the same labels.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { UserError } from '../../../src/api/errors.ts';
import { readMask } from '../../../src/io/index.ts';
import { writeSquaresDataset } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { buildPng } from '../io/png-builder.ts';

const PROJECT_COLORS = ['#000000', '#e2a929', '#3c1098'];
const RGB = [[0, 0, 0], [226, 169, 41], [60, 16, 152]];

test('Add images with a label folder: colour masks through the class colours, gray masks as indices, unknown colours reported', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 4, 16, [0, 1]);
  const classes = (file: string) => Array.from(PNG.sync.read(readFileSync(path.join(data.labels, file))).data.filter((_, i) => i % 4 === 0));
  const expected = new Map(['img0.png', 'img1.png', 'img2.png', 'img3.png'].map((f) => [f, classes(f).map((v) => v * 2)]));
  // img0 as RGB, img1 as a palette PNG whose palette order differs from the class order, img2 as gray class
  // indices, img3 with a colour no class has.
  const labels = path.join(dir, 'labels');
  mkdirSync(labels);
  const rgbOf = (values: number[]) => values.flatMap((k) => RGB[k]!);
  writeFileSync(path.join(labels, 'img0.png'), buildPng({ width: 16, height: 16, bitDepth: 8, colorType: 2, samples: rgbOf(expected.get('img0.png')!) }));
  writeFileSync(path.join(labels, 'img1.png'), buildPng({ width: 16, height: 16, bitDepth: 8, colorType: 3, palette: [RGB[2]!, RGB[0]!], samples: expected.get('img1.png')!.map((k) => (k === 2 ? 0 : 1)) }));
  writeFileSync(path.join(labels, 'img2.png'), buildPng({ width: 16, height: 16, bitDepth: 8, colorType: 0, samples: expected.get('img2.png')! }));
  const odd = expected.get('img3.png')!.map((k) => (k === 2 ? [255, 0, 255] : RGB[k]!));
  writeFileSync(path.join(labels, 'img3.png'), buildPng({ width: 16, height: 16, bitDepth: 8, colorType: 2, samples: odd.flat() }));

  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  t.after(() => wb.close());
  const project = await wb.createProject('aerial', PROJECT_COLORS.map((color, i) => ({ name: `class ${i}`, color })));
  const result = await wb.addImages(project.id, [data.images], labels);
  assert.equal(result.added.length, 4);
  assert.equal(result.labeled, 3);
  assert.equal(result.failed.length, 1);
  const squarePixels = expected.get('img3.png')!.filter((k) => k === 2).length;
  assert.equal(result.failed[0]!.path, path.join(labels, 'img3.png'));
  assert.match(result.failed[0]!.reason, new RegExp(`^${squarePixels} pixel\\(s\\) have a colour no class has: #ff00ff \\(${squarePixels} px, first at x=\\d+ y=\\d+\\)`));
  for (const image of result.added) {
    const mask = await wb.getMask(image.id);
    const got = Array.from(Buffer.from(mask.data, 'base64'));
    if (image.name === 'img3.png') assert.equal(mask.revision, 0, 'a failed mask saves nothing');
    else assert.deepEqual(got, expected.get(image.name), image.name);
  }

  // Export labels as a colour PNG: the class colours, and back to the same labels.
  const image = result.added.find((i) => i.name === 'img1.png')!;
  const file = await wb.exportLabels(image.id, 'color-png');
  assert.equal(file.fileName, 'img1.labels.png');
  assert.equal(file.mime, 'image/png');
  const exported = path.join(dir, 'exported.png');
  writeFileSync(exported, Buffer.from(file.data, 'base64'));
  const back = await readMask(exported, { colors: { labelColors: PROJECT_COLORS.map((c) => parseInt(c.slice(1), 16)) } });
  assert.deepEqual(Array.from(back.data), expected.get('img1.png'));
});

test('class colours that two classes share cannot map colour masks: one UserError naming the project', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 1, 16, [0, 1]);
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  t.after(() => wb.close());
  const project = await wb.createProject('same', [{ name: 'a', color: '#123456' }, { name: 'b', color: '#123456' }]);
  await assert.rejects(wb.addImages(project.id, [data.images], data.labels), (e: unknown) => e instanceof UserError && /project "same": class colours must differ.*#123456 is listed twice/.test(e.message));
  const { added } = await wb.addImages(project.id, [data.images]);
  await wb.saveMaskPatches(added[0]!.id, 0, [{ x: 0, y: 0, width: 1, height: 1, data: Buffer.from([1]).toString('base64') }]);
  await assert.rejects(wb.exportLabels(added[0]!.id, 'color-png'), /project "same": class colours must differ/);
});
