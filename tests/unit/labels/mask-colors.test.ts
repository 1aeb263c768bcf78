// The colour ↔ class rules of colour-coded masks, on typed arrays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkColorMapping, classesFromColors, colorsFromClasses, describeUnknownColors, hexColor, parseHexColor } from '../../../src/labels/mask-colors.ts';

const RED = 0xff0000;
const GREEN = 0x00ff00;
const GRAY = 0x9b9b9b;
const rgb = (...colors: number[]) => colors.flatMap((c) => [c >> 16, (c >> 8) & 0xff, c & 0xff]);

test('hex colours parse with or without #, any case, and print lower-case', () => {
  assert.equal(parseHexColor('#3C1098'), 0x3c1098);
  assert.equal(parseHexColor(' 8429f6 '), 0x8429f6);
  for (const bad of ['#3C109', '#3C10988', 'red', '#GG1098', '']) assert.equal(parseHexColor(bad), null, bad);
  assert.equal(hexColor(0x00ff00), '#00ff00');
});

test('colour k is class k, ignored colours and transparent pixels are unlabeled', () => {
  const { data, unknown } = classesFromColors(rgb(GREEN, RED, GRAY, RED), 2, 3, { labelColors: [RED, GREEN], ignoreColors: [GRAY] });
  assert.deepEqual(Array.from(data), [1, 0, 255, 0]);
  assert.equal(unknown, null);
  // RGBA: alpha 0 is unlabeled whatever the colour; any other alpha keeps the colour's class.
  const rgba = [255, 0, 0, 255, 0, 255, 0, 0, 0, 255, 0, 1];
  assert.deepEqual(Array.from(classesFromColors(rgba, 3, 4, { labelColors: [RED, GREEN] }).data), [0, 255, 1]);
});

test('unknown colours are counted, most frequent first, each with its first position', () => {
  const BLUE = 0x0000ff;
  const WHITE = 0xffffff;
  // 3×2: row 0 = RED BLUE WHITE, row 1 = BLUE BLUE RED
  const { data, unknown } = classesFromColors(rgb(RED, BLUE, WHITE, BLUE, BLUE, RED), 3, 3, { labelColors: [RED] });
  assert.deepEqual(Array.from(data), [0, 255, 255, 255, 255, 0]);
  assert.deepEqual(unknown, {
    pixels: 4,
    colors: [
      { color: BLUE, pixels: 3, first: { x: 1, y: 0 } },
      { color: WHITE, pixels: 1, first: { x: 2, y: 0 } },
    ],
  });
  assert.equal(describeUnknownColors(unknown!), '4 pixel(s) have a colour no class has: #0000ff (3 px, first at x=1 y=0), #ffffff (1 px, first at x=2 y=0)');
  assert.match(describeUnknownColors(unknown!, 1), /#0000ff \(3 px, first at x=1 y=0\) and 1 more colour/);
});

test('a colour listed twice, in one list or both, is refused', () => {
  assert.throws(() => checkColorMapping({ labelColors: [RED, GREEN, RED] }), /#ff0000 is listed twice \(class 0 and class 2\)/);
  assert.throws(() => checkColorMapping({ labelColors: [RED], ignoreColors: [RED] }), /listed twice \(class 0 and ignored colour 0\)/);
  assert.throws(() => checkColorMapping({ labelColors: [] }), /1 to 255 label colours/);
});

test('classes → colours → classes is the identity; unlabeled becomes transparent', () => {
  const classes = new Uint8Array([0, 1, 2, 255, 2, 0]);
  const colors = [0x000000, 0x3c1098, 0xfedd3a];
  const rgba = colorsFromClasses(classes, colors);
  assert.deepEqual(Array.from(rgba.subarray(0, 16)), [0, 0, 0, 255, 0x3c, 0x10, 0x98, 255, 0xfe, 0xdd, 0x3a, 255, 0, 0, 0, 0]);
  assert.deepEqual(classesFromColors(rgba, 3, 4, { labelColors: colors }).data, classes);
  assert.throws(() => colorsFromClasses(new Uint8Array([3]), colors), /class 3 has no colour/);
  assert.throws(() => colorsFromClasses(classes, [RED, RED, GREEN]), /listed twice/);
});
