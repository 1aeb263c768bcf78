// Damaged TIFFs of the kinds that hung or killed the reader (issue 15's fault campaign): an IFD chain that loops, a
// strip byte count of almost 4 GB, a tag whose values lie past the end. Each is one InputError naming the file and
// the damage, found before geotiff.js reads a pixel; the sound file still opens.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { InputError, openRaster, writeTiff } from '../../../src/io/index.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** A small little-endian classic GeoTIFF, and where its first IFD and entries are. */
async function sample(dir: string): Promise<{ file: string; bytes: Buffer; ifd: number; entry: (tag: number) => number }> {
  const file = path.join(dir, 'sound.tif');
  const [width, height] = [40, 30];
  await writeTiff(file, { width, height, bands: 2, data: new Uint16Array(width * height * 2).map((_, i) => i % 977), layout: 'pixel', georeference: { geoTransform: [500000, 1, 0, 4100000, 0, -1], epsg: 32633 } });
  const bytes = readFileSync(file);
  assert.equal(bytes.toString('latin1', 0, 2), 'II');
  const ifd = bytes.readUInt32LE(4);
  const count = bytes.readUInt16LE(ifd);
  const entry = (tag: number) => {
    for (let i = 0; i < count; i++) if (bytes.readUInt16LE(ifd + 2 + i * 12) === tag) return ifd + 2 + i * 12;
    throw new Error(`the sample has no tag ${tag}`);
  };
  return { file, bytes, ifd, entry };
}

async function refused(t: import('node:test').TestContext, mutate: (bytes: Buffer, ifd: number, entry: (tag: number) => number) => void, problem: RegExp): Promise<void> {
  const dir = tempDir(t);
  const { bytes, ifd, entry } = await sample(dir);
  const damaged = Buffer.from(bytes);
  mutate(damaged, ifd, entry);
  const file = path.join(dir, 'damaged.tif');
  writeFileSync(file, damaged);
  const started = Date.now();
  await assert.rejects(openRaster(file), (e: Error) => e instanceof InputError && e.message.includes(file) && problem.test(e.message));
  assert.ok(Date.now() - started < 5000, 'refused at once, not after a long read');
}

test('the sound sample opens and reads', async (t) => {
  const { file } = await sample(tempDir(t));
  const raster = await openRaster(file);
  assert.deepEqual([raster.width, raster.height, raster.bands], [40, 30, 2]);
  assert.equal((await raster.readWindow(0, 0, 2, 1))[2], 2);
  await raster.close();
});

test('an IFD chain that points back to itself is refused as a loop', (t) =>
  refused(t, (b, ifd) => b.writeUInt32LE(ifd, ifd + 2 + b.readUInt16LE(ifd) * 12), /points back to the IFD at byte \d+, a loop/));

test('a strip byte count of almost 4 GB is refused before anything is allocated', (t) =>
  refused(t, (b, _ifd, entry) => {
    const at = entry(279); // StripByteCounts
    const values = b.readUInt32LE(at + 4) * (b.readUInt16LE(at + 2) === 3 ? 2 : 4) <= 4 ? at + 8 : b.readUInt32LE(at + 8);
    b.writeUInt32LE(0xfffffff0, values);
  }, /strip 0 of IFD 0 claims 4294967280 bytes .* past the end of the file/));

test('a strip offset past the end of the file is refused', (t) =>
  refused(t, (b, _ifd, entry) => {
    const at = entry(273); // StripOffsets
    const values = b.readUInt32LE(at + 4) * 4 <= 4 ? at + 8 : b.readUInt32LE(at + 8);
    b.writeUInt32LE(0x7ffffff0, values);
  }, /strip 0 of IFD 0 claims \d+ bytes at byte 2147483632, past the end of the file/));

test('a tag whose value count points past the end of the file is refused', (t) =>
  refused(t, (b, _ifd, entry) => b.writeUInt32LE(0x10000000, entry(339) + 4), /tag 339 of IFD 0 has 268435456 values .* past the end of the file/));

test('a file that is not a TIFF at all says so', async (t) => {
  const file = path.join(tempDir(t), 'x.tif');
  writeFileSync(file, Buffer.from('II*\0garbage that ends early'));
  await assert.rejects(openRaster(file), (e: Error) => e instanceof InputError && e.message.includes(file));
});

// Found by the 10,000-mutant campaign: a size tag of a non-integer type (geotiff.js read a FLOAT rows-per-strip of
// 28 as 3.9e-44 and looped over strips until memory ran out) and a samples-per-pixel tag with no value (no band
// read, and a tile fetched anyway failed where nothing awaited it, killing the process).
test('a rows-per-strip tag of a floating-point type is refused', (t) =>
  refused(t, (b, _ifd, entry) => b.writeUInt16LE(11, entry(278) + 2), /RowsPerStrip \(tag 278\) of IFD 0 has field type 11, where whole numbers belong/));

test('a samples-per-pixel tag with no value, or a value of 0, is refused', async (t) => {
  await refused(t, (b, _ifd, entry) => b.writeUInt32LE(0, entry(277) + 4), /SamplesPerPixel \(tag 277\) of IFD 0 has no value/);
  await refused(t, (b, _ifd, entry) => b.writeUInt16LE(0, entry(277) + 8), /IFD 0 has 0 samples per pixel/);
});
