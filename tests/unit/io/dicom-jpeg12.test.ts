import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, openRaster } from '../../../src/io/index.ts';
import { repoRoot, tempDir } from '../../helpers/tmp.ts';
import { readPixels } from '../../helpers/images.ts';

// Made with DCMTK's dcmcjpeg +ee, and decoded by its dcmdjpeg for the reference: see tests/fixtures/dicom/README.md.
const fixtures = path.join(repoRoot, 'tests/fixtures/dicom');
const jpeg12 = path.join(fixtures, 'mr12-jpeg-extended.dcm');
const dcmdjpegDecoded = path.join(fixtures, 'mr12-jpeg-extended.dcmdjpeg.dcm');


/** A copy of a fixture (the JPEG one by default) with some of its bytes changed. */
async function alteredCopy(dir: string, name: string, alter: (bytes: Uint8Array) => void, source = jpeg12): Promise<string> {
  const bytes = new Uint8Array(await readFile(source));
  alter(bytes);
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

function lastIndexOf(bytes: Uint8Array, pattern: number[]): number {
  for (let i = bytes.length - pattern.length; i >= 0; i--) if (pattern.every((b, k) => bytes[i + k] === b)) return i;
  throw new Error(`pattern ${pattern.map((b) => b.toString(16)).join(' ')} not in the fixture`);
}

test('12-bit JPEG Extended decodes to exactly the values DCMTK dcmdjpeg decodes', async () => {
  const raster = await openRaster(jpeg12);
  assert.deepEqual([raster.width, raster.height, raster.bands], [64, 64, 1]);
  await raster.close();
  const ours = await readPixels(jpeg12);
  const reference = await readPixels(dcmdjpegDecoded);
  assert.equal(ours.length, 64 * 64);
  assert.deepEqual(ours, reference);
  // The full 12-bit range survives: no clamping to 8 bits and no scaling.
  assert.equal(Math.min(...ours), 0);
  assert.equal(Math.max(...ours), 3636);
  assert.ok(ours.filter((v) => v > 2047).length > 300, 'many values need the 12th bit');
});

test('signed 12-bit JPEG Extended is sign-extended from Bits Stored', async (t) => {
  // The same stream declared two's complement (Pixel Representation 1): codes 2048..4095 are -2048..-1.
  const signed = await alteredCopy(tempDir(t), 'signed.dcm', (bytes) => {
    const at = lastIndexOf(bytes, [0x28, 0x00, 0x03, 0x01, 0x55, 0x53, 0x02, 0x00]);
    bytes[at + 8] = 1;
  });
  const reference = await readPixels(dcmdjpegDecoded);
  const expected = reference.map((v) => (v >= 2048 ? v - 4096 : v));
  assert.ok(expected.some((v) => v < 0));
  assert.deepEqual(await readPixels(signed), expected);
});

test('signed 12-bit samples in 16-bit native pixel data are sign-extended too', async (t) => {
  const signed = await alteredCopy(tempDir(t), 'native-signed.dcm', (bytes) => {
    const at = lastIndexOf(bytes, [0x28, 0x00, 0x03, 0x01, 0x55, 0x53, 0x02, 0x00]);
    bytes[at + 8] = 1;
  }, dcmdjpegDecoded);
  const reference = await readPixels(dcmdjpegDecoded);
  assert.deepEqual(await readPixels(signed), reference.map((v) => (v >= 2048 ? v - 4096 : v)));
});

test('a JPEG Extended frame without its end-of-image marker decodes as DCMTK decodes the whole stream', async (t) => {
  // Some encoders leave FFD9 off the last frame; DCMTK and pydicom read such files, so Segwork must too.
  const noEoi = await alteredCopy(tempDir(t), 'no-eoi.dcm', (bytes) => {
    const eoi = lastIndexOf(bytes, [0xff, 0xd9]);
    bytes[eoi] = 0;
    bytes[eoi + 1] = 0;
  });
  assert.deepEqual(await readPixels(noEoi), await readPixels(dcmdjpegDecoded));
});

test('JPEG Extended with a precision other than 8 or 12 bits is refused, naming the transfer syntax', async (t) => {
  const sixteen = await alteredCopy(tempDir(t), 'precision16.dcm', (bytes) => {
    const sof1 = lastIndexOf(bytes, [0xff, 0xc1]);
    assert.equal(bytes[sof1 + 4], 12);
    bytes[sof1 + 4] = 16;
  });
  await assert.rejects(readPixels(sixteen), (error: unknown) =>
    error instanceof InputError && error.file === sixteen && /unsupported: 16-bit samples in JPEG Extended \(Process 2 & 4\)/.test(error.message));
});

test('a corrupt 12-bit stream is an InputError, and the decoder still decodes exactly afterwards', async (t) => {
  // Two components declared in a grey frame: libjpeg stops with an error inside the WebAssembly decoder.
  const corrupt = await alteredCopy(tempDir(t), 'corrupt.dcm', (bytes) => {
    const sof1 = lastIndexOf(bytes, [0xff, 0xc1]);
    bytes[sof1 + 9] = 2;
  });
  for (let i = 0; i < 3; i++) {
    await assert.rejects(readPixels(corrupt), (error: unknown) =>
      error instanceof InputError && error.file === corrupt && /cannot decode frame 0 \(JPEG Extended \(Process 2 & 4\)\)/.test(error.message));
  }
  assert.deepEqual(await readPixels(jpeg12), await readPixels(dcmdjpegDecoded));
});
