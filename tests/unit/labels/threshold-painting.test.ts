// Threshold painting on typed arrays: the brush and the fill never touch a pixel outside the intensity range,
// paint every in-range pixel they cover, and an empty range is refused with both values named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../../../src/api/errors.ts';
import { checkedRange, HU_PRESETS, inRange, LabelEditor, LabelMap, paintableMask, paintSegment, UNLABELED } from '../../../src/labels/index.ts';

/** A noisy 64×48 "CT" plane: values from -1000 to 1500 in a repeatable pseudo-random pattern, some NaN (nodata). */
function noisyPlane(width: number, height: number): Float32Array {
  const values = new Float32Array(width * height);
  let seed = 11;
  for (let i = 0; i < values.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    values[i] = seed % 97 === 0 ? NaN : (seed % 2500) - 1000;
  }
  return values;
}

test('the range is inclusive at both ends and NaN is never inside', () => {
  const range = checkedRange(-5, 10);
  assert.equal(inRange(-5, range), true);
  assert.equal(inRange(10, range), true);
  assert.equal(inRange(10.001, range), false);
  assert.equal(inRange(NaN, range), false);
  assert.deepEqual([...paintableMask(new Float32Array([-6, -5, 0, 10, 11, NaN]), range)], [0, 1, 1, 1, 0, 0]);
});

test('min above max is refused with a UserError naming both values', () => {
  assert.throws(() => checkedRange(300, -100), (e: unknown) => e instanceof UserError && /300/.test(e.message) && /-100/.test(e.message));
  assert.throws(() => checkedRange(NaN, 5), UserError);
  assert.deepEqual(checkedRange(7, 7), { min: 7, max: 7 }, 'a single value is a range');
});

test('the HU presets are ordered ranges on the Hounsfield scale', () => {
  for (const [name, { min, max }] of Object.entries(HU_PRESETS)) {
    assert.ok(min < max && min >= -1024 && max <= 3071, name);
    checkedRange(min, max);
  }
  assert.ok(HU_PRESETS.bone.min > HU_PRESETS['soft tissue'].max, 'bone starts above soft tissue');
});

test('a wide brush stroke paints exactly the in-range pixels it covers, and nothing else', () => {
  const width = 64;
  const height = 48;
  const values = noisyPlane(width, height);
  const paintable = paintableMask(values, HU_PRESETS.bone);
  const map = new LabelMap(width, height);
  const editor = new LabelEditor(map);
  editor.brushSize = 30;
  editor.classIndex = 1;
  editor.paintable = paintable;
  editor.pointerDown({ x: 2, y: 24 });
  editor.pointerMove({ x: 30, y: 20 });
  editor.pointerUp({ x: 62, y: 26 });

  // The same stroke without the range: what the brush covers.
  const covered = new LabelMap(width, height);
  paintSegment(covered, { x: 2, y: 24 }, { x: 30, y: 20 }, 30, 1);
  paintSegment(covered, { x: 30, y: 20 }, { x: 62, y: 26 }, 30, 1);
  let painted = 0;
  for (let i = 0; i < values.length; i++) {
    if (map.data[i] !== UNLABELED) {
      painted++;
      assert.ok(inRange(values[i], HU_PRESETS.bone), `pixel ${i} (${values[i]} HU) is outside the bone range`);
    }
    const shouldPaint = covered.data[i] === 1 && paintable[i] === 1;
    assert.equal(map.data[i] !== UNLABELED, shouldPaint, `pixel ${i}`);
  }
  assert.ok(painted > 100, `the stroke painted ${painted} bone pixels`);
  assert.equal(editor.history.canUndo, true);
  editor.undo();
  assert.ok(map.data.every((v) => v === UNLABELED), 'one stroke is one undo item');
});

test('the eraser ignores the range: threshold mode is for painting', () => {
  const map = new LabelMap(8, 8, new Uint8Array(64).fill(2));
  const editor = new LabelEditor(map);
  editor.paintable = new Uint8Array(64);
  editor.tool = 'eraser';
  editor.brushSize = 4;
  editor.pointerDown({ x: 4, y: 4 });
  editor.pointerUp({ x: 4, y: 4 });
  assert.equal(map.get(4, 4), UNLABELED);
});

test('the fill stops at the range: it fills the in-range pixels connected to the click, and none outside', () => {
  // Left half in range, a wall of out-of-range pixels at x = 8, right half in range again.
  const width = 16;
  const height = 10;
  const values = new Float32Array(width * height).map((_, i) => (i % width === 8 ? -500 : 400));
  values[3 * width + 2] = NaN; // nodata inside the left half stays unpainted
  const map = new LabelMap(width, height);
  const editor = new LabelEditor(map);
  editor.tool = 'fill';
  editor.classIndex = 3;
  editor.paintable = paintableMask(values, HU_PRESETS.bone);
  editor.pointerDown({ x: 2.5, y: 5.5 });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const expected = x < 8 && !(x === 2 && y === 3) ? 3 : UNLABELED;
      assert.equal(map.get(x, y), expected, `(${x}, ${y})`);
    }
  }
  // A click on an out-of-range pixel paints nothing and records no undo step.
  editor.undo();
  editor.pointerDown({ x: 8.5, y: 5.5 });
  assert.ok(map.data.every((v) => v === UNLABELED));
  assert.equal(editor.history.canUndo, false);
});
