import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDicomSeries, openNifti, type Raster } from '../../../src/io/index.ts';
import { readDicomSeg, referencedInstances, writeDicomSeg, type SegClass } from '../../../src/io/dicom-seg.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const data = path.resolve(repoRoot, '../shared/data/totalsegmentator-ct-mr');
const ctSeries = path.join(data, 'example_ct_dicom');
const seriesLabels = path.join(data, 'example_seg_dicom.nii.gz');

/** TotalSegmentator's class table, with a colour per class so the CIELab round trip is exercised. */
async function totalClasses(): Promise<SegClass[]> {
  const lines = (await readFile(path.join(data, 'classes_total.tsv'), 'utf8')).split('\n').filter((l) => /^\d+\t/.test(l));
  return lines.map((line) => {
    const [value, name] = line.split('\t');
    const index = Number(value);
    const color = `#${[index * 37, index * 91, index * 53].map((c) => (c % 256).toString(16).padStart(2, '0')).join('')}`;
    return { index, name: name.trim(), color };
  });
}

/** The label map of the CT series in DICOM order (slice, row from the top, column). */
async function labelsOfSeries(): Promise<Uint8Array> {
  const nifti = await openNifti(seriesLabels);
  const volume = new Uint8Array(512 * 512 * 20);
  for (let s = 0; s < 20; s++) volume.set(await nifti.readWindow(0, 0, 512, 512, s), s * 512 * 512);
  await nifti.close();
  // The reader shows the LAS label map as the series is shown (orientation.ts): already DICOM order.
  return volume;
}

function pydicomAvailable(): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import pydicom, numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// pydicom decodes the SEG on its own: frames placed by referenced SOP Instance, segments mapped to classes by label.
const PYDICOM_LABELS = `
import json, sys, numpy as np, pydicom
seg = pydicom.dcmread(sys.argv[1])
series = json.loads(sys.argv[2]); classes = json.loads(sys.argv[3])
frames = seg.pixel_array.reshape(int(seg.NumberOfFrames), seg.Rows, seg.Columns)
value = {int(s.SegmentNumber): classes[s.SegmentLabel] for s in seg.SegmentSequence}
volume = np.zeros((len(series), seg.Rows, seg.Columns), np.uint8)
for frame, groups in zip(frames, seg.PerFrameFunctionalGroupsSequence):
    uid = groups.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
    volume[series.index(uid)][frame == 1] = value[int(groups.SegmentIdentificationSequence[0].ReferencedSegmentNumber)]
open(sys.argv[4], 'wb').write(volume.tobytes())
ref = seg.ReferencedSeriesSequence[0]
print(json.dumps({'sopClass': seg.SOPClassUID, 'modality': seg.Modality, 'type': seg.SegmentationType, 'bits': seg.BitsAllocated,
  'segments': len(seg.SegmentSequence), 'series': ref.SeriesInstanceUID, 'instances': [i.ReferencedSOPInstanceUID for i in ref.ReferencedInstanceSequence],
  'frameOfReference': seg.FrameOfReferenceUID, 'study': seg.StudyInstanceUID, 'patient': str(seg.PatientID)}))
`;

test('labels → DICOM SEG → labels is the identity, in Segwork and in pydicom', async (t) => {
  if (!existsSync(ctSeries) || !existsSync(seriesLabels)) return t.skip(`no TotalSegmentator CT data at ${data}`);
  const series: Raster = await openDicomSeries(ctSeries);
  const classes = await totalClasses();
  const labels = await labelsOfSeries();
  const uids = (await referencedInstances(series)).sopInstanceUIDs;
  assert.ok(uids.every((uid) => /^[0-9.]+$/.test(uid)) && new Set(uids).size === 20, 'one referencable instance per slice');
  const present = new Set(labels);
  present.delete(0);
  const dir = await mkdtemp(path.join(tmpdir(), 'segwork-dicom-seg-'));
  try {
    const file = path.join(dir, 'labels.seg.dcm');
    await writeDicomSeg(file, series, labels, classes, { algorithm: 'AUTOMATIC' });

    const back = await readDicomSeg(file, series, { classes });
    assert.equal(back.segments.length, present.size);
    assert.ok(Buffer.from(back.labels).equals(Buffer.from(labels)), 'labels read back differ');
    assert.equal(back.referencedSeriesInstanceUID, series.metadata.seriesInstanceUID);
    assert.equal(back.frameOfReferenceUID, series.metadata.frameOfReferenceUID);
    const liver = back.segments.find((s) => s.label === 'liver');
    assert.equal(liver?.color, classes.find((c) => c.name === 'liver')!.color, 'colour survives the CIELab round trip');
    // Without classes, values are segment numbers 1..n in class order.
    const numbered = await readDicomSeg(file, series);
    const order = [...present].sort((a, b) => a - b);
    for (let i = 0; i < labels.length; i += 997) assert.equal(numbered.labels[i], labels[i] === 0 ? 0 : order.indexOf(labels[i]) + 1);

    if (!pydicomAvailable()) return t.skip('python3-pydicom absent: checked with Segwork\'s reader only');
    const names = Object.fromEntries(classes.map((c) => [c.name, c.index]));
    const decoded = path.join(dir, 'pydicom.raw');
    const report = JSON.parse(execFileSync('/usr/bin/python3', ['-c', PYDICOM_LABELS, file, JSON.stringify(uids), JSON.stringify(names), decoded], { encoding: 'utf8' }));
    const { dataSet } = await import('../../../src/io/dicom.ts').then((m) => m.parseDicomFile((series.metadata.files as string[])[0]));
    assert.deepEqual(report, {
      sopClass: '1.2.840.10008.5.1.4.1.1.66.4', modality: 'SEG', type: 'BINARY', bits: 1, segments: present.size,
      series: series.metadata.seriesInstanceUID, instances: uids, frameOfReference: series.metadata.frameOfReferenceUID,
      study: series.metadata.studyInstanceUID, patient: dataSet.string('x00100020') ?? '',
    });
    assert.ok((await readFile(decoded)).equals(Buffer.from(labels)), 'pydicom decodes different labels');
  } finally {
    await rm(dir, { recursive: true, force: true });
    await series.close();
  }
});

test('a label value without a class, or a SEG of another series, is refused with the file named', async (t) => {
  if (!existsSync(ctSeries)) return t.skip(`no TotalSegmentator CT data at ${data}`);
  const series = await openDicomSeries(ctSeries);
  const dir = await mkdtemp(path.join(tmpdir(), 'segwork-dicom-seg-'));
  try {
    const labels = new Uint8Array(512 * 512 * 20);
    labels[5] = 3;
    labels[512 * 512 * 7 + 100] = 9;
    const file = path.join(dir, 'x.seg.dcm');
    await assert.rejects(writeDicomSeg(file, series, labels, [{ index: 3, name: 'three', color: '#ff0000' }]), /x\.seg\.dcm: label values 9 have no class/);
    await writeDicomSeg(file, series, labels, [{ index: 3, name: 'three', color: '#ff0000' }, { index: 9, name: 'nine', color: '#00ff00' }]);
    const other: Raster = { ...series, metadata: { ...series.metadata, sopInstanceUIDs: Array.from({ length: 20 }, (_, i) => `2.25.${i + 1}`) } };
    await assert.rejects(readDicomSeg(file, other), /x\.seg\.dcm: frame 1 references instance .* which is not in/);
    await writeFile(path.join(dir, 'short.dcm'), (await readFile(file)).subarray(0, 300));
    await assert.rejects(readDicomSeg(path.join(dir, 'short.dcm'), series), /short\.dcm: /);
    const back = await readDicomSeg(file, series, { classes: [{ index: 3, name: 'three', color: '#ff0000' }, { index: 9, name: 'nine', color: '#00ff00' }] });
    assert.ok(Buffer.from(back.labels).equals(Buffer.from(labels)));
  } finally {
    await rm(dir, { recursive: true, force: true });
    await series.close();
  }
});
