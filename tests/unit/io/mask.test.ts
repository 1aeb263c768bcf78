import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeArrayBuffer } from 'geotiff';
import { InputError, readImage, readMask, writeMaskPng } from '../../../src/io/index.ts';
import { buildPng } from './png-builder.ts';

const dir = await mkdtemp(path.join(tmpdir(), 'segwork-io-mask-'));
test.after(() => rm(dir, { recursive: true, force: true }));

async function file(name: string, bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const full = path.join(dir, name);
  await writeFile(full, bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes);
  return full;
}

const gray = (name: string, samples: number[], width = samples.length) =>
  file(name, buildPng({ width, height: samples.length / width, bitDepth: 8, colorType: 0, samples }));

test('class indices pass through; 255 stays unlabeled', async () => {
  const mask = await readMask(await gray('plain.png', [0, 1, 2, 255, 1, 0], 3), { numClasses: 3 });
  assert.deepEqual([mask.width, mask.height], [3, 2]);
  assert.deepEqual(Array.from(mask.data), [0, 1, 2, 255, 1, 0]);
});

test('labelValues map raw values to class indices, ignoreValue to unlabeled', async () => {
  const mask = await readMask(await gray('binary.png', [0, 255, 128, 0]), { labelValues: [0, 255], ignoreValue: 128 });
  // 255 is listed, so it is class 1 rather than unlabeled.
  assert.deepEqual(Array.from(mask.data), [0, 1, 255, 0]);
  const unlisted = await readMask(await gray('with-void.png', [10, 20, 255]), { labelValues: [10, 20] });
  assert.deepEqual(Array.from(unlisted.data), [0, 1, 255]);
});

test('an out-of-range value is an InputError naming the file, the value and what is allowed', async () => {
  const bad = await gray('bad.png', [0, 1, 7, 1]);
  await assert.rejects(readMask(bad, { numClasses: 3 }), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.equal(error.file, bad);
    assert.match(error.message, /mask value 7 at x=2 y=0/);
    assert.match(error.message, /classes 0\.\.2/);
    return true;
  });
  await assert.rejects(readMask(bad, { labelValues: [0, 1] }), /mask value 7 .*label values 0, 1/);
});

test('16-bit masks map with labelValues above 255', async () => {
  const bytes = buildPng({ width: 3, height: 1, bitDepth: 16, colorType: 0, samples: [1000, 2000, 1000] });
  const mask = await readMask(await file('wide.png', bytes), { labelValues: [1000, 2000] });
  assert.deepEqual(Array.from(mask.data), [0, 1, 0]);
});

test('palette masks read as palette indices, not colours', async () => {
  const palette = [[0, 0, 0], [128, 0, 0], [0, 128, 0], [0, 0, 0]];
  const bytes = buildPng({ width: 4, height: 1, bitDepth: 8, colorType: 3, samples: [0, 1, 2, 3], palette, transparency: [255, 0] });
  const mask = await readMask(await file('voc.png', bytes), { numClasses: 4 });
  // Entries 0 and 3 share a colour; indices keep them apart.
  assert.deepEqual(Array.from(mask.data), [0, 1, 2, 3]);
});

test('RGB masks: equal channels are accepted, differing channels rejected', async () => {
  const equal = buildPng({ width: 2, height: 1, bitDepth: 8, colorType: 2, samples: [1, 1, 1, 0, 0, 0] });
  assert.deepEqual(Array.from((await readMask(await file('rgb-gray.png', equal))).data), [1, 0]);
  const colour = buildPng({ width: 2, height: 1, bitDepth: 8, colorType: 2, samples: [1, 1, 1, 255, 0, 0] });
  await assert.rejects(readMask(await file('rgb-colour.png', colour)), /colour mask: channels differ at x=1 y=0 \(255,0,0\)/);
});

test('TIFF masks read like PNG masks', async () => {
  const bytes = writeArrayBuffer(new Uint8Array([0, 1, 255, 1]), { width: 2, height: 2, BitsPerSample: [8], SampleFormat: [1] });
  const mask = await readMask(await file('mask.tif', bytes), { numClasses: 2 });
  assert.deepEqual(Array.from(mask.data), [0, 1, 255, 1]);
});

test('writeMaskPng round-trips through readMask and readImage', async () => {
  const data = new Uint8Array([0, 1, 2, 255, 3, 4]);
  const out = path.join(dir, 'nested', 'deeper', 'out.png');
  await writeMaskPng(out, 3, 2, data);
  assert.deepEqual(Array.from((await readMask(out)).data), Array.from(data));
  const image = await readImage(out);
  assert.equal(image.bands, 1);
  const leftovers = (await readdir(path.dirname(out))).filter((name) => name.includes('.tmp-'));
  assert.deepEqual(leftovers, []);
});

test('writeMaskPng into an unwritable folder is an InputError naming the folder', { skip: process.getuid?.() === 0 ? 'root can write anywhere' : false }, async () => {
  const locked = path.join(dir, 'locked');
  await mkdir(locked);
  await chmod(locked, 0o500);
  try {
    await assert.rejects(writeMaskPng(path.join(locked, 'm.png'), 1, 1, new Uint8Array([0])), (error: unknown) =>
      error instanceof InputError && error.message.includes(locked));
    assert.deepEqual(await readdir(locked), []);
  } finally {
    await chmod(locked, 0o700);
  }
});

test('writeMaskPng below a plain file (root can\'t write there either) is an InputError naming the folder', async () => {
  const blocker = await file('blocker', Buffer.from('x'));
  await assert.rejects(writeMaskPng(path.join(blocker, 'm.png'), 1, 1, new Uint8Array([0])), (error: unknown) =>
    error instanceof InputError && error.message.includes(`folder ${blocker}`));
});
