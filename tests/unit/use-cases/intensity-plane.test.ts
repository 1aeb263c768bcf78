// The raw plane threshold painting reads: a band's own values (not the display image's 8 bits), nodata as NaN,
// Hounsfield units for a real CT series along any axis, and a clear error for a band or slice the image lacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ArgumentError } from '../../../src/api/errors.ts';
import type { IntensityPlanePayload } from '../../../src/api/service.ts';
import { writeTiff } from '../../../src/io/index.ts';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { sharedData, tempDir } from '../../helpers/tmp.ts';

const SERIES = path.join(sharedData, 'totalsegmentator-ct-mr', 'example_ct_dicom');

function values(plane: IntensityPlanePayload): Float32Array {
  const bytes = Buffer.from(plane.data, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

test('a band of a two-band GeoTIFF comes back with its own values, nodata as NaN, and its min and max', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'images', 'field.tif');
  // Band 0 = 1, 2, -9999 (nodata), 4; band 1 = 1000, 2000, 3000, 4000: beyond 8 bits, so not the display image's.
  mkdirSync(path.dirname(file));
  await writeTiff(file, { width: 2, height: 2, bands: 2, data: Int16Array.from([1, 1000, 2, 2000, -9999, 3000, 4, 4000]), layout: 'pixel', nodata: -9999 });
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  t.after(() => wb.close());
  const project = await wb.createProject('fields', [{ name: 'crop', color: '#00ff00' }]);
  const [image] = (await wb.addImages(project.id, [path.dirname(file)])).added;

  const band0 = await wb.intensityPlane(image!.id);
  assert.deepEqual([band0.width, band0.height, band0.band, band0.bands, band0.min, band0.max], [2, 2, 0, 2, 1, 4]);
  assert.deepEqual([...values(band0)], [1, 2, NaN, 4]);
  const band1 = await wb.intensityPlane(image!.id, { band: 1 });
  assert.deepEqual([...values(band1)], [1000, 2000, 3000, 4000]);
  assert.deepEqual([band1.min, band1.max], [1000, 4000]);

  await assert.rejects(wb.intensityPlane(image!.id, { band: 2 }), (e: unknown) => e instanceof ArgumentError && /band/.test(e.message) && /2 bands/.test(e.message));
  await assert.rejects(wb.intensityPlane(image!.id, { slice: 1 }), (e: unknown) => e instanceof ArgumentError && /slice/.test(e.message));
});

test('a CT series gives Hounsfield units, on its own slices and on the coronal plane', { skip: existsSync(SERIES) ? false : `${SERIES} is missing (../shared/data not present)` }, async (t) => {
  const wb = await createWorkbench({ workspaceDir: tempDir(t) });
  t.after(() => wb.close());
  const project = await wb.createProject('CT', [{ name: 'bone', color: '#ffffff' }]);
  const [ct] = (await wb.addImages(project.id, [SERIES])).added;
  const axial = await wb.intensityPlane(ct!.id, { slice: 10 });
  assert.deepEqual([axial.width, axial.height, axial.bands], [512, 512, 1]);
  assert.ok(axial.min! <= -900 && axial.max! >= 400, `air and bone in HU: ${axial.min}..${axial.max}`);
  const hu = values(axial);
  assert.equal(hu.length, 512 * 512);
  assert.ok(hu.some((v) => v >= 226) && hu.some((v) => v > -100 && v < 100), 'bone and soft tissue on the slice');
  const coronal = await wb.intensityPlane(ct!.id, { slice: 256, axis: 1 });
  assert.deepEqual([coronal.width, coronal.height], [512, 20]);
  // Row 0 of the coronal plane is the last slice (the head up), as displayImage and getMask show it.
  const last = values(await wb.intensityPlane(ct!.id, { slice: 19 }));
  assert.deepEqual([...values(coronal).subarray(0, 512)], [...last.subarray(256 * 512, 257 * 512)]);
});
