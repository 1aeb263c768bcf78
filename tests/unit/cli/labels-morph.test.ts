// `segwork labels morph` as a user runs it: a folder of PNG masks with a bad file among them, a TotalSegmentator
// NIfTI label volume worked on in 3D and written with its geometry, and the usage errors.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { openRaster, readMask, readMaskSlices, writeMaskPng } from '../../../src/io/index.ts';
import { segwork, jsonLines } from '../../helpers/cli.ts';
import { sharedData, tempDir } from '../../helpers/tmp.ts';

const SEG = path.join(sharedData, 'totalsegmentator-ct-mr', 'example_seg.nii.gz');
const skipSeg = existsSync(SEG) ? false : `shared data absent: ${SEG}`;

test('fill holes over a folder of PNG masks: each written as a PNG under its name, a bad file reported, the rest done', async (t) => {
  const dir = tempDir(t);
  const masks = path.join(dir, 'masks');
  mkdirSync(path.join(masks, 'sub'), { recursive: true });
  // A 6×6 square of class 1 with a one-pixel hole, next to a 2 that must stay.
  const data = new Uint8Array(16 * 16).fill(255);
  for (let y = 4; y < 10; y++) for (let x = 4; x < 10; x++) data[y * 16 + x] = 1;
  data[6 * 16 + 6] = 255;
  data[7 * 16 + 7] = 2;
  await writeMaskPng(path.join(masks, 'a.png'), 16, 16, data);
  await writeMaskPng(path.join(masks, 'sub', 'b.png'), 16, 16, data);
  writeFileSync(path.join(masks, 'broken.png'), 'not a png');
  const out = path.join(dir, 'out');

  const run = await segwork(['labels', 'morph', '--op', 'fill-holes', '--class', '1', '--in', masks, '--out', out, '--recursive', '--json']);
  assert.equal(run.code, 2, run.stderr);
  const lines = jsonLines(run.stdout);
  assert.deepEqual(lines.at(-1).failed.map((f: { file: string }) => f.file), ['broken.png']);
  assert.match(lines.at(-1).failed[0].reason, /not a supported mask/);
  assert.equal(lines.at(-1).written, 2);
  for (const name of ['a.png', path.join('sub', 'b.png')]) {
    const result = await readMask(path.join(out, name));
    assert.equal(result.data[6 * 16 + 6], 1, `${name}: the hole is filled`);
    assert.equal(result.data[7 * 16 + 7], 2, `${name}: the other class inside stays`);
    assert.equal(result.data[0], 255);
  }
  assert.equal(existsSync(path.join(out, 'broken.png')), false);
});

test('keep-largest on a TotalSegmentator label volume works in 3D and keeps the NIfTI geometry', { skip: skipSeg }, async (t) => {
  const dir = tempDir(t);
  mkdirSync(path.join(dir, 'in'));
  copyFileSync(SEG, path.join(dir, 'in', 'seg.nii.gz'));
  const out = path.join(dir, 'out');
  const run = await segwork(['labels', 'morph', '--op', 'keep-largest', '--class', '18', '--in', path.join(dir, 'in'), '--out', out]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^1 of 1 mask\(s\) written/);

  const before = await readMaskSlices(SEG, { numClasses: 255 });
  const after = await readMaskSlices(path.join(out, 'seg.nii.gz'), { numClasses: 255 });
  assert.equal(after.length, before.length);
  let kept = 0, dropped = 0;
  before.forEach((slice, z) => {
    for (let i = 0; i < slice.data.length; i++) {
      const [was, now] = [slice.data[i], after[z]!.data[i]];
      if (was !== 18) assert.equal(now, was, `voxel ${i} of slice ${z}, not class 18, is unchanged`);
      else if (now === 18) kept++;
      else (assert.equal(now, 255), dropped++);
    }
  });
  // Class 18 (26-connected across slices) is one region of 999 voxels and three specks of 16, 4 and 1.
  assert.deepEqual([kept, dropped], [999, 21]);
  const [a, b] = await Promise.all([openRaster(SEG), openRaster(path.join(out, 'seg.nii.gz'))]);
  try {
    assert.deepEqual(b.metadata.nifti, a.metadata.nifti, 'the same header geometry');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('usage errors name the flag and what it takes', async (t) => {
  const dir = tempDir(t);
  const cases: [string[], RegExp][] = [
    [['--op', 'grow', '--class', '1', '--radius=-2'], /--radius must be a whole number of pixels, 1 or more, got -2/],
    [['--op', 'remove-islands', '--class', '1', '--min-size', '0'], /--min-size must be a whole number of pixels \(the smallest island kept\), 1 or more, got 0/],
    [['--op', 'fill-holes', '--class', '5', '--classes', '3'], /--class must be a class index from 0 to 2, got 5/],
    [['--op', 'blur', '--class', '1'], /--op must be one of median, open, close/],
  ];
  for (const [args, message] of cases) {
    const run = await segwork(['labels', 'morph', ...args, '--in', dir, '--out', path.join(dir, 'out')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, message);
  }
  const same = await segwork(['labels', 'morph', '--op', 'fill-holes', '--class', '1', '--in', dir, '--out', dir]);
  assert.match(same.stderr, /--out must differ from --in/);
});
