// What the renderer asks the core instead of keeping its own copy: the export formats of each image (by the file's
// real format, not its extension), the next image to label, and the image endings and class colours.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { DEFAULT_PALETTE } from '../../../src/labels/palette.ts';
import { writeTiff } from '../../../src/io/index.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { writeGrayPng } from '../../helpers/images.ts';

const pixels = new Uint8Array(16 * 16).map((_, i) => i % 251);

test('export formats follow the file’s real format: a plain .tif exports as PNG, a GeoTIFF as GeoTIFF, and each default exports', async (t) => {
  const dir = tempDir(t);
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  t.after(() => wb.close());
  await writeTiff(path.join(dir, 'plain.tif'), { width: 16, height: 16, bands: 1, data: pixels, layout: 'pixel' });
  await writeTiff(path.join(dir, 'mapped.tif'), { width: 16, height: 16, bands: 1, data: pixels, layout: 'pixel', georeference: { geoTransform: [500000, 1, 0, 4000000, 0, -1], epsg: 32633 } });
  writeGrayPng(path.join(dir, 'photo.png'), 16, 16, pixels);
  const project = await wb.createProject('p', [{ name: 'a', color: '#000000' }, { name: 'b', color: '#ffffff' }]);
  const { added } = await wb.addImages(project.id, [dir]);
  const byName = new Map(added.map((image) => [image.name, image]));
  const expected: Record<string, string[]> = { 'plain.tif': ['png', 'color-png', 'geojson'], 'mapped.tif': ['geotiff', 'geojson', 'png', 'color-png'], 'photo.png': ['png', 'color-png', 'geojson'] };
  for (const [name, formats] of Object.entries(expected)) {
    const image = byName.get(name)!;
    assert.deepEqual(await wb.labelExportFormats(image.id), formats, name);
    await wb.saveMaskPatches(image.id, 0, [{ x: 0, y: 0, width: 2, height: 1, data: Buffer.from([0, 1]).toString('base64') }]);
    // Every offered format is one the core then accepts (the bug: GeoTIFF was offered for a plain TIFF and refused).
    for (const format of formats) assert.ok((await wb.exportLabels(image.id, format as never)).data.length > 0, `${name} as ${format}`);
  }
});

test('the next image is the most uncertain unlabeled one other than the open one, else the first unlabeled by name', async (t) => {
  const dir = tempDir(t);
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  t.after(() => wb.close());
  for (const name of ['a', 'b', 'c', 'd']) writeGrayPng(path.join(dir, `${name}.png`), 16, 16, pixels);
  const project = await wb.createProject('p', [{ name: 'a', color: '#000000' }, { name: 'b', color: '#ffffff' }]);
  const { added } = await wb.addImages(project.id, [dir]);
  const id = (name: string) => added.find((i) => i.name === `${name}.png`)!.id;
  assert.equal((await wb.nextImage(project.id))?.name, 'a.png', 'nothing scored: the first by name');
  assert.equal((await wb.nextImage(project.id, id('a')))?.name, 'b.png', 'never the open image');
  wb.workspace.images.setUncertainty(id('c'), 0.9);
  wb.workspace.images.setUncertainty(id('d'), 0.4);
  assert.equal((await wb.nextImage(project.id))?.name, 'c.png');
  assert.equal((await wb.nextImage(project.id, id('c')))?.name, 'd.png');
  await wb.saveMaskPatches(id('d'), 0, [{ x: 0, y: 0, width: 1, height: 1, data: Buffer.from([1]).toString('base64') }]);
  assert.equal((await wb.nextImage(project.id, id('c')))?.name, 'a.png', 'a labeled image is not next');
});

test('the catalogue gives the image endings the readers accept and the class palette', async (t) => {
  const wb = await createWorkbench({ workspaceDir: tempDir(t) });
  t.after(() => wb.close());
  const { imageExtensions, palette } = await wb.catalogue();
  for (const ending of ['.png', '.tif', '.dcm', '.nii.gz']) assert.ok(imageExtensions.includes(ending), ending);
  assert.deepEqual(palette, DEFAULT_PALETTE);
});
