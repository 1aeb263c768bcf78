// Colour-coded masks read from files: RGB and palette PNGs alike, the Dubai aerial land-cover masks (real data),
// unknown colours, the wrong kind of mask for the options, and colour PNGs written back.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { InputError, readMask, writeColorMaskPng } from '../../../src/io/index.ts';
import type { ColorMapping } from '../../../src/labels/mask-colors.ts';
import { sharedData, tempDir } from '../../helpers/tmp.ts';
import { buildPng } from './png-builder.ts';

const DUBAI = path.join(sharedData, 'dubai-aerial-landcover');
// SOURCE.txt's table: Building, Land, Road, Vegetation, Water; #9B9B9B is unlabeled.
const DUBAI_COLORS = [0x3c1098, 0x8429f6, 0x6ec1e4, 0xfedd3a, 0xe2a929];
const DUBAI_UNLABELED = 0x9b9b9b;
const DUBAI_MAPPING: ColorMapping = { labelColors: DUBAI_COLORS, ignoreColors: [DUBAI_UNLABELED] };
const skipDubai = existsSync(DUBAI) ? false : `shared data absent: ${DUBAI}`;

const PALETTE = [[255, 0, 0], [0, 128, 0], [0, 0, 255]];
const INDICES = [0, 1, 2, 1, 1, 0, 2, 2, 0, 1, 0, 2];
const toRgb = (indices: number[], palette: number[][]) => indices.flatMap((i) => palette[i]!);

/** Pixels per class counted straight from the colours (pngjs gives every PNG as RGBA): the reference for readMask. */
function countColors(file: string, colors: number[]): { perClass: number[]; other: number } {
  const png = PNG.sync.read(readFileSync(file));
  const perClass = colors.map(() => 0);
  let other = 0;
  for (let p = 0; p < png.width * png.height; p++) {
    const color = (png.data[p * 4]! << 16) | (png.data[p * 4 + 1]! << 8) | png.data[p * 4 + 2]!;
    const k = colors.indexOf(color);
    if (k >= 0) perClass[k]!++;
    else other++;
  }
  return { perClass, other };
}

const histogram = (data: Uint8Array, classes: number) => Array.from({ length: classes }, (_, k) => data.filter((v) => v === k).length);

test('a palette PNG and an RGB PNG of the same mask give the same labels', async (t) => {
  const dir = tempDir(t);
  const palette = path.join(dir, 'palette.png');
  const rgb = path.join(dir, 'rgb.png');
  writeFileSync(palette, buildPng({ width: 4, height: 3, bitDepth: 8, colorType: 3, samples: INDICES, palette: PALETTE }));
  writeFileSync(rgb, buildPng({ width: 4, height: 3, bitDepth: 8, colorType: 2, samples: toRgb(INDICES, PALETTE) }));
  // Class order differs from palette order on purpose: colours decide, not palette indices.
  const mapping = { colors: { labelColors: [0x0000ff, 0xff0000, 0x008000] } };
  const [a, b] = await Promise.all([readMask(palette, mapping), readMask(rgb, mapping)]);
  assert.deepEqual(a.data, b.data);
  assert.deepEqual(Array.from(a.data), INDICES.map((i) => [1, 2, 0][i]));
});

test('an unknown colour is one InputError naming the file, the count and the first position; or unlabeled on request', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'odd.png');
  writeFileSync(file, buildPng({ width: 4, height: 3, bitDepth: 8, colorType: 2, samples: toRgb(INDICES, PALETTE) }));
  // Blue (index 2) is no class: 4 pixels, the first at x=2 y=0.
  const labelColors = [0xff0000, 0x008000];
  await assert.rejects(readMask(file, { colors: { labelColors } }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.file, file);
    assert.match(e.problem, /^4 pixel\(s\) have a colour no class has: #0000ff \(4 px, first at x=2 y=0\)/);
    assert.match(e.problem, /--unknown-colors unlabeled/);
    return true;
  });
  const lenient = await readMask(file, { colors: { labelColors, unknownColors: 'unlabeled' } });
  assert.deepEqual(Array.from(lenient.data), INDICES.map((i) => (i === 2 ? 255 : i)));
  const ignored = await readMask(file, { colors: { labelColors, ignoreColors: [0x0000ff] } });
  assert.deepEqual(ignored.data, lenient.data);
});

test('the wrong kind of mask for the options says which option to use', async (t) => {
  const dir = tempDir(t);
  const rgb = path.join(dir, 'rgb.png');
  const gray = path.join(dir, 'gray.png');
  writeFileSync(rgb, buildPng({ width: 4, height: 3, bitDepth: 8, colorType: 2, samples: toRgb(INDICES, PALETTE) }));
  writeFileSync(gray, buildPng({ width: 4, height: 3, bitDepth: 8, colorType: 0, samples: INDICES }));
  await assert.rejects(readMask(rgb, { numClasses: 3 }), /colour mask: .*--label-colors/);
  // A palette PNG without colour options is read as its indices, as before; indices out of range suggest colours.
  const palette = path.join(dir, 'palette.png');
  writeFileSync(palette, buildPng({ width: 4, height: 3, bitDepth: 8, colorType: 3, samples: INDICES, palette: PALETTE }));
  assert.deepEqual(Array.from((await readMask(palette, { numClasses: 3 })).data), INDICES);
  await assert.rejects(readMask(palette, { numClasses: 2 }), /mask value 2 at x=2 y=0 is not allowed .*palette mask: .*--label-colors/);
  await assert.rejects(readMask(gray, { colors: { labelColors: [0xff0000] } }), (e: unknown) => e instanceof InputError && e.file === gray && /gray mask of values.*--label-values/.test(e.problem));
  const jpeg = path.join(dir, 'mask.jpg');
  writeFileSync(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]));
  await assert.rejects(readMask(jpeg, { colors: { labelColors: [0xff0000] } }), /JPEG cannot hold a mask/);
  // The workbench's import takes both kinds: a gray mask is then read as class indices.
  assert.deepEqual(Array.from((await readMask(gray, { colors: { labelColors: [0xff0000] }, grayAsValues: true, numClasses: 3 })).data), INDICES);
});

test('a colour PNG written from classes reads back as the same classes; unlabeled is transparent', async (t) => {
  const file = path.join(tempDir(t), 'sub', 'out.png');
  const classes = new Uint8Array([0, 1, 2, 255, 2, 1]);
  // Black is a class colour here, so unlabeled must not be black.
  const colors = [0x000000, 0xe2a929, 0x3c1098];
  await writeColorMaskPng(file, 3, 2, classes, colors);
  const png = PNG.sync.read(readFileSync(file));
  assert.deepEqual(Array.from(png.data.subarray(12, 16)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(png.data.subarray(0, 4)), [0, 0, 0, 255]);
  assert.deepEqual((await readMask(file, { colors: { labelColors: colors } })).data, classes);
});

test('Dubai land-cover masks (RGB and palette): class counts match a direct count of the colours', { skip: skipDubai }, async () => {
  // Tiles 1 and 3 hold RGB masks, 2 and 4 palette masks (SOURCE.txt).
  for (const tile of ['Tile 1', 'Tile 2', 'Tile 3', 'Tile 4']) {
    const dir = path.join(DUBAI, tile, 'masks');
    const file = path.join(dir, readdirSync(dir).sort()[0]!);
    const mask = await readMask(file, { colors: DUBAI_MAPPING });
    const direct = countColors(file, [...DUBAI_COLORS, DUBAI_UNLABELED]);
    assert.deepEqual(histogram(mask.data, 5), direct.perClass.slice(0, 5), file);
    assert.equal(mask.data.filter((v) => v === 255).length, direct.perClass[5], file);
    assert.equal(direct.other, 0, `${file}: SOURCE.txt says every pixel has one of the six colours`);
  }
});

test('a Dubai palette mask re-saved as RGB gives the same labels', { skip: skipDubai }, async (t) => {
  const dir = path.join(DUBAI, 'Tile 2', 'masks');
  const palette = path.join(dir, readdirSync(dir).sort()[0]!);
  const decoded = PNG.sync.read(readFileSync(palette));
  assert.equal(readFileSync(palette)[25], 3, 'Tile 2 masks are palette PNGs');
  const rgb = path.join(tempDir(t), 'rgb.png');
  writeFileSync(rgb, PNG.sync.write(Object.assign(new PNG({ width: decoded.width, height: decoded.height }), { data: decoded.data }), { colorType: 2 }));
  const [a, b] = await Promise.all([readMask(palette, { colors: DUBAI_MAPPING }), readMask(rgb, { colors: DUBAI_MAPPING })]);
  assert.deepEqual(a.data, b.data);
  assert.ok(histogram(a.data, 5).filter((n) => n > 0).length >= 2, 'the tile has more than one class');
});

test('a Dubai mask without its unlabeled colour listed reports that colour with its count and first position', { skip: skipDubai }, async () => {
  for (const tile of ['Tile 1', 'Tile 2', 'Tile 3', 'Tile 4']) {
    const dir = path.join(DUBAI, tile, 'masks');
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const { perClass } = countColors(file, [DUBAI_UNLABELED]);
      if (perClass[0] === 0) continue;
      const png = PNG.sync.read(readFileSync(file));
      let first = 0;
      while (((png.data[first * 4]! << 16) | (png.data[first * 4 + 1]! << 8) | png.data[first * 4 + 2]!) !== DUBAI_UNLABELED) first++;
      const where = `x=${first % png.width} y=${Math.floor(first / png.width)}`;
      await assert.rejects(readMask(file, { colors: { labelColors: DUBAI_COLORS } }), (e: unknown) => {
        assert.ok(e instanceof InputError && e.file === file);
        assert.match(e.problem, new RegExp(`^${perClass[0]!.toLocaleString('en')} pixel\\(s\\) have a colour no class has: #9b9b9b \\(${perClass[0]!.toLocaleString('en')} px, first at ${where}\\)`));
        return true;
      });
      return;
    }
  }
  assert.fail('no Dubai mask in tiles 1-4 has the unlabeled colour');
});
