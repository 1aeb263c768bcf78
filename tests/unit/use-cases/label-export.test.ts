// Label exports are named apart from their images (`em-0.labels.png`), so saving them beside the images can never
// overwrite one, and a folder of them still pairs with the images as labels.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { labelStemOf, readMask } from '../../../src/io/index.ts';
import type { ImageRecord } from '../../../src/store/images.ts';
import { exportFileName } from '../../../src/use-cases/label-export.ts';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { pairImagesWithLabels } from '../../../src/training/dataset.ts';
import { tempDir } from '../../helpers/tmp.ts';

const record = (name: string, dir = '/data') => ({ name, path: path.join(dir, name) }) as ImageRecord;

test('every export format that an image could have carries .labels before its extension', () => {
  assert.equal(exportFileName(record('em-0.png'), 'png'), 'em-0.labels.png');
  assert.equal(exportFileName(record('field.tif'), 'geotiff'), 'field.labels.tif');
  assert.equal(exportFileName(record('field.tif'), 'geojson'), 'field.geojson');
  assert.equal(exportFileName(record('ct.nii.gz'), 'nifti'), 'ct.labels.nii.gz');
  assert.equal(exportFileName(record('scan.dcm'), 'dicom-seg'), 'scan.seg.dcm');
  for (const name of ['em-0.png', 'field.tif', 'ct.nii.gz']) {
    for (const format of ['png', 'geotiff', 'nifti'] as const) {
      assert.notEqual(exportFileName(record(name), format), name, `${format} export of ${name}`);
      assert.equal(labelStemOf(exportFileName(record(name), format)), labelStemOf(name), 'and it pairs with its image');
    }
  }
});

test('the workbench exports em-0.png as em-0.labels.png holding the painted mask, which pairs back with the image', async (t) => {
  const dir = tempDir(t);
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws'), seedSample: true });
  t.after(() => wb.close());
  const [project] = await wb.listProjects();
  const image = (await wb.listImages({ projectId: project!.id, status: 'partial', sort: 'name' })).images[0]!;
  const exported = await wb.exportLabels(image.id, 'png');
  assert.equal(exported.fileName, image.name.replace(/\.png$/, '.labels.png'));
  assert.equal(exported.mime, 'image/png');

  const labels = path.join(dir, 'labels');
  mkdirSync(labels);
  writeFileSync(path.join(labels, exported.fileName), Buffer.from(exported.data, 'base64'));
  const mask = await wb.getMask(image.id);
  assert.deepEqual((await readMask(path.join(labels, exported.fileName))).data, new Uint8Array(Buffer.from(mask.data, 'base64')));
  const { pairs } = await pairImagesWithLabels(path.dirname(wb.workspace.images.get(image.id)!.path), labels);
  assert.deepEqual(pairs.map((p) => path.basename(p.maskPath)), [exported.fileName]);
});
