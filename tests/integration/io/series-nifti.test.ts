import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDicomSeries, openNifti, type Raster } from '../../../src/io/index.ts';
import { seriesGeometry, writeSeriesLabelsAsNifti } from '../../../src/io/series-geometry.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const data = path.resolve(repoRoot, '../shared/data/totalsegmentator-ct-mr');
const ctSeries = path.join(data, 'example_ct_dicom');
// TotalSegmentator's label map of that series, on dcm2niix's grid (LAS, rows stored bottom-up).
const dcm2niixLabels = path.join(data, 'example_seg_dicom.nii.gz');

function nibabelAvailable(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import nibabel'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function volumeOf(raster: Raster): Promise<Uint8Array> {
  const out = new Uint8Array(raster.width * raster.height * raster.slices);
  for (let s = 0; s < raster.slices; s++) out.set(await raster.readWindow(0, 0, raster.width, raster.height, s), s * raster.width * raster.height);
  return out;
}

function assertAffineClose(actual: number[][], expected: number[][], tolerance = 1e-3): void {
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      assert.ok(Math.abs(actual[r][c] - expected[r][c]) <= tolerance, `affine[${r}][${c}] = ${actual[r][c]}, expected ${expected[r][c]}\n${JSON.stringify(actual)}`);
    }
  }
}

test('the CT series affine equals the one dcm2niix gave its TotalSegmentator label map', async (t) => {
  if (!existsSync(ctSeries) || !existsSync(dcm2niixLabels)) return t.skip(`no TotalSegmentator CT data at ${data}`);
  const series = await openDicomSeries(ctSeries);
  const reference = await openNifti(dcm2niixLabels);
  const geometry = seriesGeometry(series);
  assert.deepEqual(geometry.dims, [512, 512, 20]);
  assertAffineClose(geometry.affine, reference.metadata.affine as number[][]);
  await Promise.all([series.close(), reference.close()]);
});

test('series labels written as NIfTI: nibabel sees the reference geometry (qform = sform) and the same voxels', async (t) => {
  if (!existsSync(ctSeries) || !existsSync(dcm2niixLabels)) return t.skip(`no TotalSegmentator CT data at ${data}`);
  const series = await openDicomSeries(ctSeries);
  const reference = await openNifti(dcm2niixLabels);
  // The reader shows the reference as the series is shown (row 0 anterior, at the top), as an editor holds them.
  const labels = await volumeOf(reference);
  const dir = await mkdtemp(path.join(tmpdir(), 'segwork-series-nifti-'));
  try {
    const out = path.join(dir, 'labels.nii.gz');
    await writeSeriesLabelsAsNifti(out, series, labels);
    const written = await openNifti(out);
    assert.deepEqual(await volumeOf(written), await volumeOf(reference));
    assertAffineClose(written.metadata.affine as number[][], reference.metadata.affine as number[][]);
    if (!nibabelAvailable()) return t.skip('python3-nibabel absent: checked with Segwork\'s reader only');
    const report = execFileSync('/usr/bin/python3', ['-c', `
import json, sys, nibabel as nb, numpy as np
ours, ref = nb.load(sys.argv[1]), nb.load(sys.argv[2])
print(json.dumps({
  'affine': bool(np.allclose(ours.affine, ref.affine, atol=1e-3)),
  'qformEqualsSform': bool(np.allclose(ours.get_qform(), ours.get_sform(), atol=1e-3)),
  'codes': [int(ours.header['qform_code']), int(ours.header['sform_code'])],
  'axcodes': ''.join(nb.aff2axcodes(ours.affine)),
  'voxels': bool(np.array_equal(np.asarray(ours.dataobj), np.asarray(ref.dataobj))),
}))`, out, dcm2niixLabels], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(report), { affine: true, qformEqualsSform: true, codes: [1, 1], axcodes: 'LAS', voxels: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await Promise.all([series.close(), reference.close()]);
  }
});

/** A metadata-only series raster, to test geometry the real sample does not have (oblique, descending). */
function syntheticSeries(orientation: number[], positions: number[][], pixelSpacing: number[], rows: number, columns: number): Raster {
  return {
    path: 'synthetic-series', format: 'dicom', width: columns, height: rows, bands: 1, dtype: 'int16', slices: positions.length,
    modality: 'CT', nodata: null,
    metadata: { imageOrientationPatient: orientation, imagePositionPatient: positions, pixelSpacing, sliceThickness: 3 },
    readWindow: async () => new Float32Array(0), close: async () => {},
  };
}

test('an oblique series: the affine puts every voxel where DICOM C.7.6.2.1.1 says it is', () => {
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  const alongRow = [c, s, 0];
  const downColumn = [-s * 0.6, c * 0.6, -0.8]; // unit length, orthogonal to alongRow
  const normal = [alongRow[1] * downColumn[2] - alongRow[2] * downColumn[1], alongRow[2] * downColumn[0] - alongRow[0] * downColumn[2], alongRow[0] * downColumn[1] - alongRow[1] * downColumn[0]];
  const origin = [-120, 35.5, 410];
  const positions = [0, 1, 2, 3].map((k) => origin.map((v, a) => v + normal[a] * 2.5 * k));
  const [rows, columns, rowSpacing, columnSpacing] = [6, 8, 0.7, 0.9];
  const geometry = seriesGeometry(syntheticSeries([...alongRow, ...downColumn], positions, [rowSpacing, columnSpacing], rows, columns));
  assert.deepEqual(geometry.spacing.map((v) => +v.toFixed(6)), [columnSpacing, rowSpacing, 2.5]);
  for (const [col, row, slice] of [[0, 0, 0], [7, 0, 1], [0, 5, 2], [3, 4, 3]]) {
    const lps = positions[slice].map((v, a) => v + alongRow[a] * columnSpacing * col + downColumn[a] * rowSpacing * row);
    const voxel = [col, rows - 1 - row, slice, 1];
    const ras = geometry.affine.slice(0, 3).map((line) => line.reduce((sum, v, i) => sum + v * voxel[i], 0));
    assert.deepEqual(ras.map((v) => +v.toFixed(6)), [-lps[0], -lps[1], lps[2]].map((v) => +v.toFixed(6)), `voxel ${col},${row},${slice}`);
  }
});

test('a series without positions for every slice is refused, naming it', () => {
  const raster = syntheticSeries([1, 0, 0, 0, 1, 0], [[0, 0, 0], [0, 0, 1]], [1, 1], 4, 4);
  assert.throws(() => seriesGeometry({ ...raster, slices: 3 }), /synthetic-series: DICOM series has ImagePositionPatient for 2 of 3 slices/);
});
