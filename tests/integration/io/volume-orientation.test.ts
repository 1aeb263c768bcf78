// One display convention for every volume: the same patient's CT shows the same way from its DICOM series and
// from a NIfTI of it, anterior up and the patient's right on the left, and labels painted on the NIfTI's display
// go back into the file in its own voxel order. The NIfTI is made at test time by nibabel from the series, stored
// RAS (nib.as_closest_canonical, what most converters write), so its rows run posterior→anterior in the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openDicomSeries, openNifti, writeNiftiLabels, type Raster } from '../../../src/io/index.ts';
import { reversedForDisplay, type Vec3 } from '../../../src/io/orientation.ts';
import { sharedData, tempDir } from '../../helpers/tmp.ts';

const series = path.join(sharedData, 'totalsegmentator-ct-mr', 'example_ct_dicom');
const PYTHON = '/usr/bin/python3';

function nibabelMissing(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import nibabel, pydicom'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'python3-nibabel or python3-pydicom is absent';
  }
}

const skipReason = existsSync(series) ? nibabelMissing() : `no TotalSegmentator CT series at ${series}`;

async function slicesOf(raster: Raster): Promise<Float32Array[]> {
  return Promise.all(Array.from({ length: raster.slices }, (_, s) => raster.readWindow(0, 0, raster.width, raster.height, s)));
}

/** Writes the series as a RAS NIfTI with nibabel (geometry from pydicom, pixels as Segwork decoded them); says whether k was reversed. */
function seriesAsRasNifti(dir: string, files: string[], slices: Float32Array[], width: number, height: number): { file: string; kReversed: boolean } {
  const raw = path.join(dir, 'series.f32');
  writeFileSync(raw, Buffer.concat(slices.map((s) => Buffer.from(s.buffer, s.byteOffset, s.byteLength))));
  const file = path.join(dir, 'ct.nii.gz');
  const report = execFileSync(PYTHON, ['-c', `
import json, sys, numpy as np, nibabel as nib, pydicom
files, raw, out, width, height = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
headers = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
row_cos, col_cos = np.array(headers[0].ImageOrientationPatient[:3], float), np.array(headers[0].ImageOrientationPatient[3:], float)
row_spacing, col_spacing = map(float, headers[0].PixelSpacing)
first, last = np.array(headers[0].ImagePositionPatient, float), np.array(headers[-1].ImagePositionPatient, float)
lps = np.eye(4)
lps[:3, 0], lps[:3, 1] = row_cos * col_spacing, col_cos * row_spacing
lps[:3, 2], lps[:3, 3] = (last - first) / (len(files) - 1), first
volume = np.fromfile(raw, dtype='<f4').reshape(len(files), height, width)
image = nib.Nifti1Image(np.round(volume.transpose(2, 1, 0)).astype(np.int16), np.diag([-1, -1, 1, 1]) @ lps)
ras = nib.as_closest_canonical(image)
ras.to_filename(out)
ornt = nib.orientations.io_orientation(image.affine)
print(json.dumps({'axcodes': ''.join(nib.aff2axcodes(ras.affine)), 'kReversed': bool(ornt[2][1] < 0), 'ornt': ornt.tolist()}))
`, JSON.stringify(files), raw, file, String(width), String(height)], { encoding: 'utf8' });
  const { axcodes, kReversed } = JSON.parse(report) as { axcodes: string; kReversed: boolean };
  assert.equal(axcodes, 'RAS');
  return { file, kReversed };
}

test('a CT shows the same from its DICOM series and from a RAS NIfTI of it: anterior up, patient right on the left', { skip: skipReason ?? false, timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const dicom = await openDicomSeries(series);
  const dicomSlices = await slicesOf(dicom);
  // The series is in the convention as stored: columns run to the patient's left, rows to posterior.
  const cosines = dicom.metadata.imageOrientationPatient as number[];
  assert.equal(reversedForDisplay(cosines.slice(0, 3) as Vec3), false);
  assert.equal(reversedForDisplay(cosines.slice(3, 6) as Vec3), false);
  const { file, kReversed } = seriesAsRasNifti(dir, dicom.metadata.files as string[], dicomSlices, dicom.width, dicom.height);
  const nifti = await openNifti(file);
  assert.deepEqual([nifti.width, nifti.height, nifti.slices], [dicom.width, dicom.height, dicom.slices]);
  const niftiSlices = await slicesOf(nifti);
  for (let s = 0; s < dicom.slices; s++) {
    const shown = niftiSlices[kReversed ? dicom.slices - 1 - s : s]!;
    const expected = dicomSlices[s]!;
    let differing = 0;
    for (let p = 0; p < expected.length; p++) if (Math.round(expected[p]!) !== shown[p]) differing++;
    assert.equal(differing, 0, `slice ${s}: the NIfTI's display differs from the series' in ${differing} pixels`);
  }
  await Promise.all([dicom.close(), nifti.close()]);
});

test('labels painted on a RAS NIfTI’s display are written back in the file’s own voxel order', { skip: skipReason ?? false, timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const dicom = await openDicomSeries(series);
  const { file } = seriesAsRasNifti(dir, dicom.metadata.files as string[], await slicesOf(dicom), dicom.width, dicom.height);
  await dicom.close();
  const nifti = await openNifti(file);
  const [w, h, n] = [nifti.width, nifti.height, nifti.slices];
  // Class 1 on the top rows of the display (anterior) and the left columns (patient right), of slice 0.
  const labels = new Uint8Array(w * h * n);
  for (let y = 0; y < 10; y++) for (let x = 0; x < w; x++) labels[y * w + x] = 1;
  for (let y = 0; y < h; y++) for (let x = 0; x < 5; x++) labels[y * w + x] = 2;
  const out = path.join(dir, 'labels.nii.gz');
  await writeNiftiLabels(out, nifti, labels);
  const back = await openNifti(out);
  assert.deepEqual(await back.readWindow(0, 0, w, h, 0), Float32Array.from(labels.subarray(0, w * h)), 'read back, the labels show where they were painted');
  await Promise.all([nifti.close(), back.close()]);
  // In the file (RAS voxel order) class 1 lies at the anterior end of j and class 2 at the patient's right end of i (high i).
  const report = execFileSync(PYTHON, ['-c', `
import json, sys, numpy as np, nibabel as nib
image = nib.load(sys.argv[1])
data = np.asarray(image.dataobj)
j1 = np.nonzero(data[:, :, 0] == 1)[1]
i2 = np.nonzero(data[:, :, 0] == 2)[0]
print(json.dumps({'axcodes': ''.join(nib.aff2axcodes(image.affine)), 'class1Rows': [int(j1.min()), int(j1.max())], 'class2Columns': [int(i2.min()), int(i2.max())]}))
`, out], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(report), { axcodes: 'RAS', class1Rows: [h - 10, h - 1], class2Columns: [w - 5, w - 1] });
});
