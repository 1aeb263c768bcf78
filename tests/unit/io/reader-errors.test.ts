// Damaged files found by the fuzz campaign (issue 15), as generated equivalents: each must give one InputError that
// names the file and says what is wrong, never "[object Object]", "undefined" or a library's internals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { InputError, openRaster, readImage } from '../../../src/io/index.ts';
import { setMaxDecodedPixels, getMaxDecodedPixels } from '../../../src/io/limits.ts';
import { inspectPath } from '../../../src/io/inspect.ts';
import { buildPng } from './png-builder.ts';
import { writeTiff } from '../../../src/io/tiff-writer.ts';
import { repoRoot, tempDir } from '../../helpers/tmp.ts';

const INTERNAL = /\[object Object\]|\bundefined\b|Cannot read properties|waitng on finished stream/;

async function rejectsCleanly(file: string, problem: RegExp): Promise<void> {
  await assert.rejects(readImage(file), (error: unknown) => {
    assert.ok(error instanceof InputError, `an InputError, not ${String(error)}`);
    assert.equal(error.file, file);
    assert.match(error.message, problem);
    assert.doesNotMatch(error.message, INTERNAL);
    return true;
  });
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

test('a DICOM file cut inside its data set names the damage instead of "[object Object]"', async (t) => {
  const bytes = readFileSync(path.join(repoRoot, 'tests/fixtures/dicom/mr12-jpeg-extended.dcm'));
  const file = path.join(tempDir(t), 'cut.dcm');
  writeFileSync(file, bytes.subarray(0, 700));
  await rejectsCleanly(file, /truncated or corrupt DICOM|corrupt DICOM header|no image/);
});

test('a folder\'s inspect goes on past a DICOM file whose element length runs off the end, naming it', async (t) => {
  const bytes = new Uint8Array(readFileSync(path.join(repoRoot, 'tests/fixtures/dicom/mr12-jpeg-extended.dcm')));
  // Pixel Spacing (0028,0030) given a length of 32,767 bytes: dicom-parser used to throw an object here.
  const at = bytes.findLastIndex((b, i) => b === 0x28 && bytes[i + 1] === 0 && bytes[i + 2] === 0x30 && bytes[i + 3] === 0 && bytes[i + 4] === 0x44);
  const damaged = bytes.slice();
  damaged[at + 6] = 0xff;
  damaged[at + 7] = 0x7f;
  const dir = path.join(tempDir(t), 'scans');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'damaged.dcm'), damaged);
  writeFileSync(path.join(dir, 'good.dcm'), bytes);
  const { reports, failures } = await inspectPath(dir);
  assert.equal(reports.length, 1);
  assert.deepEqual(failures.map((f) => path.basename(f.file)), ['damaged.dcm']);
  assert.match(failures[0]!.error, /^truncated or corrupt DICOM: .*buffer overrun/);
  assert.doesNotMatch(failures[0]!.error, INTERNAL);
});

test('a PNG whose pixel data ends early (valid checksums) says so, not pngjs\'s "read requests waitng"', async (t) => {
  const whole = buildPng({ width: 40, height: 40, bitDepth: 8, colorType: 0, samples: Array.from({ length: 1600 }, (_, i) => (i * 37) % 256) });
  const header = whole.subarray(8, 8 + 25);
  const rows = Buffer.alloc(41 * 40).map((_, i) => (i % 41 === 0 ? 0 : (i * 37) % 256));
  const idat = deflateSync(rows.subarray(0, 41 * 10)); // a complete deflate stream of a quarter of the rows
  const file = path.join(tempDir(t), 'short.png');
  writeFileSync(file, Buffer.concat([whole.subarray(0, 8), header, chunk('IDAT', idat), chunk('IEND', new Uint8Array())]));
  await rejectsCleanly(file, /truncated or corrupt PNG/);
});

test('a JPEG without a frame header says so, not "Cannot read properties of undefined (reading \'components\')"', async (t) => {
  const encoded = jpeg.encode({ data: new Uint8Array(16 * 16 * 4).fill(90), width: 16, height: 16 }, 80).data;
  // Rename the SOF0 marker to an application marker: the scan then has no frame to belong to.
  const at = encoded.findIndex((b, i) => b === 0xff && encoded[i + 1] === 0xc0);
  const damaged = Buffer.from(encoded);
  damaged[at + 1] = 0xe5;
  const file = path.join(tempDir(t), 'no-sof.jpg');
  writeFileSync(file, damaged);
  await rejectsCleanly(file, /no frame header \(SOF marker\)/);
});

test('a header that declares more pixels than the cap, or than the file can hold, is refused before decoding', async (t) => {
  const dir = tempDir(t);
  // A 60,000 × 60,000 PNG header over a few bytes of data: pngjs would allocate 14 GB for it.
  const png = buildPng({ width: 4, height: 4, bitDepth: 8, colorType: 0, samples: new Array(16).fill(7) });
  png.writeUInt32BE(60_000, 16);
  png.writeUInt32BE(60_000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  const huge = path.join(dir, 'huge.png');
  writeFileSync(huge, png);
  await rejectsCleanly(huge, /more than the .* pixels one read may decode/);
  // Within the cap but far more than its compressed bytes can expand to.
  png.writeUInt32BE(9_000, 16);
  png.writeUInt32BE(9_000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  const bomb = path.join(dir, 'bomb.png');
  writeFileSync(bomb, png);
  await rejectsCleanly(bomb, /more than its .* compressed bytes can hold/);
  // The caller can lower (or raise) the cap.
  const before = getMaxDecodedPixels();
  setMaxDecodedPixels(10);
  try {
    const small = path.join(dir, 'small.png');
    writeFileSync(small, buildPng({ width: 4, height: 4, bitDepth: 8, colorType: 0, samples: new Array(16).fill(7) }));
    await rejectsCleanly(small, /more than the 10 pixels/);
  } finally {
    setMaxDecodedPixels(before);
  }
  assert.equal((await openRaster(huge).catch((e) => e)) instanceof InputError, true);
});

test('a TIFF without its BitsPerSample tag says so instead of "undefined-bit uint"', async (t) => {
  const file = path.join(tempDir(t), 'no-bits.tif');
  await writeTiff(file, { width: 4, height: 3, bands: 1, data: new Uint8Array(12), layout: 'pixel' });
  const bytes = readFileSync(file);
  // The little-endian entry of tag 258 (BitsPerSample, SHORT), renamed to a private tag no reader knows.
  const at = bytes.findIndex((b, i) => b === 0x02 && bytes[i + 1] === 0x01 && bytes[i + 2] === 0x03 && bytes[i + 3] === 0x00);
  bytes.writeUInt16LE(65000, at);
  writeFileSync(file, bytes);
  await rejectsCleanly(file, /no usable BitsPerSample tag/);
});

test('a DICOM whose NumberOfFrames holds text says so instead of "NaN frames"', async (t) => {
  const bytes = new Uint8Array(readFileSync(path.join(repoRoot, 'tests/fixtures/dicom/mr12-jpeg-extended.dcmdjpeg.dcm')));
  // Image Type (0008,0008) retagged as Number of Frames (0028,0008), as a flipped bit in the campaign's mutant did.
  const at = bytes.findIndex((b, i) => b === 0x08 && bytes[i + 1] === 0 && bytes[i + 2] === 0x08 && bytes[i + 3] === 0 && bytes[i + 4] === 0x43 && bytes[i + 5] === 0x53);
  assert.ok(at > 0, 'the fixture has an Image Type element');
  const damaged = bytes.slice();
  damaged[at] = 0x28;
  const file = path.join(tempDir(t), 'frames.dcm');
  writeFileSync(file, damaged);
  await rejectsCleanly(file, /NumberOfFrames \(0028,0008\) is ".+", not a whole number/);
});
