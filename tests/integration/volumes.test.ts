// The radiology flow through the CLI on real CT data: a DICOM series and a NIfTI volume are each one image; a label
// volume trains slice-wise (2.5D here); segment writes label volumes with the source geometry; painted slices export
// as NIfTI and DICOM SEG that read back voxel for voxel.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { jsonLines, segwork } from '../helpers/cli.ts';
import { sharedData, tempDir } from '../helpers/tmp.ts';
import { listImageSources, openNifti, openRaster, readDicomSeg, writeNiftiLabels, type NiftiGeometry } from '../../src/io/index.ts';
import { inspectPath } from '../../src/io/inspect.ts';
import { createWorkbench } from '../../src/use-cases/workbench.ts';
import { openWorkspace } from '../../src/store/workspace.ts';

const data = path.join(sharedData, 'totalsegmentator-ct-mr');
const ctNifti = path.join(data, 'example_ct_sm.nii.gz');
const ctLabels = path.join(data, 'example_seg.nii.gz');
const ctSeries = path.join(data, 'example_ct_dicom');
const skip = existsSync(ctSeries) ? false : `no ${data} (shared data absent)`;
const LIVER = 5;

/** Liver (1) against everything else (0), as a NIfTI label volume on the CT's grid. */
async function writeLiverLabels(file: string): Promise<Uint8Array> {
  const source = await openNifti(ctLabels);
  const plane = source.width * source.height;
  const labels = new Uint8Array(plane * source.slices);
  for (let s = 0; s < source.slices; s++) {
    const values = await source.readWindow(0, 0, source.width, source.height, s);
    for (let i = 0; i < plane; i++) labels[s * plane + i] = values[i] === LIVER ? 1 : 0;
  }
  // Read as shown, so written back through the source raster, which returns them to the file's voxel order.
  await writeNiftiLabels(file, source, labels);
  await source.close();
  return labels;
}

async function volumeOf(file: string): Promise<{ labels: Uint8Array; geometry: NiftiGeometry }> {
  const raster = await openNifti(file);
  const plane = raster.width * raster.height;
  const labels = new Uint8Array(plane * raster.slices);
  for (let s = 0; s < raster.slices; s++) labels.set(await raster.readWindow(0, 0, raster.width, raster.height, s), s * plane);
  await raster.close();
  return { labels, geometry: raster.metadata.nifti as NiftiGeometry };
}

test('a folder of DICOM files lists as one series volume; the series path opens it sorted along the normal', { skip }, async () => {
  const sources = await listImageSources(data, { recursive: true });
  assert.deepEqual(sources.map((s) => path.relative(data, s)).sort(), ['example_ct_dicom', 'example_ct_sm.nii.gz', 'example_seg.nii.gz', 'example_seg_dicom.nii.gz']);
  const series = await openRaster(ctSeries);
  assert.deepEqual([series.format, series.width, series.height, series.slices], ['dicom', 512, 512, 20]);
  const z = (series.metadata.imagePositionPatient as number[][]).map((p) => p[2]!);
  assert.ok(z.every((v, i) => i === 0 || v > z[i - 1]!), 'slices ascend along the slice normal');
  await series.close();
  const inspected = await inspectPath(ctSeries);
  assert.deepEqual(inspected.reports.map((r) => [r.slices, r.width, r.height]), [[20, 512, 512]], 'inspect reports the series as one volume');
});

test('CT volume: 2.5D training on a NIfTI label volume; segment writes NIfTI with the source geometry, and a DICOM SEG for a series', { skip }, async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'images'));
  mkdirSync(path.join(dir, 'labels'));
  copyFileSync(ctNifti, path.join(dir, 'images', 'ct.nii.gz'));
  await writeLiverLabels(path.join(dir, 'labels', 'ct.nii.gz'));
  const model = path.join(dir, 'model');
  const train = await segwork(['train', '--images', path.join(dir, 'images'), '--labels', path.join(dir, 'labels'), '--out', model, '--preset', 'tiny',
    '--size', '32', '--batch', '2', '--epochs', '1', '--steps', '2', '--slice-context', '1', '--val-split', '0', '--json', '--workspace', path.join(dir, 'ws')]);
  assert.equal(train.code, 0, train.stderr);
  assert.equal(jsonLines(train.stdout)[0].trainImages, 30, 'every labeled slice is a training image');
  const meta = JSON.parse(readFileSync(path.join(model, 'segwork.json'), 'utf8'));
  assert.equal(meta.sliceContext, 1);
  assert.equal(meta.inputChannels, 3, 'one band per slice of the 3-slice stack');

  const out = path.join(dir, 'out');
  const seg = await segwork(['segment', '--model', model, '--in', path.join(dir, 'images'), '--out', out, '--json']);
  assert.equal(seg.code, 0, seg.stderr);
  const predicted = await volumeOf(path.join(out, 'ct.nii.gz'));
  const source = await openNifti(ctNifti);
  assert.deepEqual(predicted.geometry, source.metadata.nifti, 'dims, pixdim, qform and sform of the source');
  await source.close();
  assert.equal(predicted.labels.length, 122 * 101 * 30);
  assert.ok(predicted.labels.every((v) => v <= 1));

  const seriesOut = path.join(dir, 'series-out');
  const fromSeries = await segwork(['segment', '--model', model, '--in', ctSeries, '--out', seriesOut, '--dicom-seg', '--json']);
  assert.equal(fromSeries.code, 0, fromSeries.stderr);
  const labels = await volumeOf(path.join(seriesOut, 'example_ct_dicom.nii.gz'));
  assert.deepEqual(labels.geometry.dims, [512, 512, 20]);
  const series = await openRaster(ctSeries);
  // Default class names have no "background": every class is a segment, so the SEG holds the whole prediction.
  const predictedSeg = await readDicomSeg(path.join(seriesOut, 'example_ct_dicom.seg.dcm'), series, { classes: meta.classes });
  await series.close();
  assert.deepEqual(predictedSeg.labels, labels.labels, 'the SEG and the NIfTI hold the same prediction, shown the same way');
});

test('CT series: painted slices export as NIfTI and DICOM SEG that read back voxel for voxel', { skip }, async (t) => {
  const dir = tempDir(t);
  const wsDir = path.join(dir, 'ws');
  const classes = path.join(dir, 'classes.json');
  writeFileSync(classes, JSON.stringify([{ name: 'background', color: '#000000' }, { name: 'liver', color: '#aa3322' }]));
  const imported = await segwork(['import', ctSeries, '--project', 'ct', '--classes', classes, '--json', '--workspace', wsDir]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(JSON.parse(imported.stdout).added, 1, 'the series is one image');

  // Paint two slices as a user would: a liver square on slice 3, background and liver on slice 12.
  const ws = openWorkspace(wsDir);
  const image = ws.images.query({ projectId: ws.projects.byName('ct')!.id }).images[0]!;
  assert.equal(image.slices, 20);
  const plane = 512 * 512;
  const painted = new Uint8Array(plane * 20).fill(255);
  for (const [slice, value] of [[3, 1], [12, 0], [12, 1]] as const) {
    for (let y = 100; y < 140; y++) for (let x = 200 + value * 60; x < 240 + value * 60; x++) painted[slice * plane + y * 512 + x] = value;
  }
  for (const slice of [3, 12]) ws.masks.save(image.id, painted.slice(slice * plane, (slice + 1) * plane), 512, 512, { slice });
  ws.close();

  const out = path.join(dir, 'export');
  for (const format of ['nifti', 'dicom-seg']) {
    const r = await segwork(['export', '--project', 'ct', '--out', out, '--format', format, '--json', '--workspace', wsDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).written, 1);
  }
  const unlabeledAsZero = painted.map((v) => (v === 255 ? 0 : v));
  const nifti = await volumeOf(path.join(out, 'example_ct_dicom.labels.nii.gz'));
  assert.deepEqual(nifti.labels, unlabeledAsZero, 'NIfTI holds the painted voxels (rows bottom-up in the file) and shows them where they were painted');
  const series = await openRaster(ctSeries);
  const seg = await readDicomSeg(path.join(out, 'example_ct_dicom.seg.dcm'), series, { classes: [{ index: 1, name: 'liver', color: '#aa3322' }] });
  assert.deepEqual(seg.segments.map((s) => s.label), ['liver'], 'background is not a segment');
  assert.deepEqual(seg.labels, unlabeledAsZero, 'the SEG holds exactly the painted liver voxels');
  await series.close();
  const png = await segwork(['export', '--project', 'ct', '--out', out, '--format', 'png', '--workspace', wsDir]);
  assert.equal(png.code, 2);
  assert.match(png.stderr, /is a volume of 20 slices: export it as nifti or dicom-seg/);
});

test('workbench: painted slices of a CT volume train a 2.5D model in a worker, which predicts any slice', { skip }, async (t) => {
  const wb = await createWorkbench({ workspaceDir: tempDir(t) });
  t.after(() => wb.close());
  const project = await wb.createProject('ct', [{ name: 'background', color: '#000000' }, { name: 'liver', color: '#aa3322' }]);
  const { added } = await wb.addImages(project.id, [ctNifti]);
  const volume = added[0]!;
  assert.deepEqual([volume.width, volume.height, volume.slices], [122, 101, 30]);
  const liver = await openNifti(ctLabels);
  for (const slice of [10, 15]) {
    const values = await liver.readWindow(0, 0, 122, 101, slice);
    const data = Buffer.from(values.map((v) => (v === LIVER ? 1 : 0))).toString('base64');
    await wb.saveMaskPatches(volume.id, 0, [{ x: 0, y: 0, width: 122, height: 101, data }], slice);
  }
  await liver.close();
  assert.deepEqual(await wb.labeledSlices(volume.id), [10, 15]);

  const ended = new Promise<{ trainImages: number }>((resolve, reject) => {
    let trainImages = 0;
    wb.onJobEvent((e) => {
      if (e.kind === 'error') reject(new Error(e.message));
      if (e.kind === 'train' && e.event.type === 'start') trainImages = e.event.trainImages;
      if (e.kind === 'train' && e.event.type === 'end') resolve({ trainImages });
    });
  });
  await wb.startTraining(project.id, { epochs: 1, stepsPerEpoch: 2, patchSize: 32, batchSize: 2, sliceContext: 1 });
  assert.equal((await ended).trainImages, 2, 'one training image per labeled slice');
  const [model] = await wb.listModels(project.id);
  const meta = JSON.parse(readFileSync(path.join(model!.directory, 'segwork.json'), 'utf8'));
  assert.deepEqual([meta.sliceContext, meta.inputChannels], [1, 3]);
  const prediction = await wb.predict(model!.id, volume.id, 29);
  assert.deepEqual([prediction.width, prediction.height], [122, 101]);
});
