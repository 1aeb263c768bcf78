// The labeling tools driven by pointer events, asserting pixels and the undo path (no DOM).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabelEditor, LabelMap, UNLABELED, type Rect } from '../../../src/labels/index.ts';

function labeledCount(map: LabelMap, value?: number): number {
  let n = 0;
  for (const v of map.data) if (value === undefined ? v !== UNLABELED : v === value) n++;
  return n;
}

test('a brush click paints a round disc of the chosen class', () => {
  const map = new LabelMap(32, 32);
  const editor = new LabelEditor(map);
  editor.brushSize = 9;
  editor.classIndex = 2;
  // Pointer positions are continuous image coordinates; the centre of pixel (16, 16) is (16.5, 16.5).
  editor.pointerDown({ x: 16.5, y: 16.5 });
  editor.pointerUp({ x: 16.5, y: 16.5 });
  assert.equal(map.get(16, 16), 2);
  assert.equal(map.get(16 + 4, 16), 2, 'radius 4.5 reaches 4 pixels right of the centre pixel');
  assert.equal(map.get(16 + 5, 16), UNLABELED);
  assert.equal(map.get(16 + 4, 16 + 4), UNLABELED, 'the corner of the bounding square is outside the disc');
  const n = labeledCount(map, 2);
  assert.ok(n > 55 && n < 75, `disc of diameter 9 should cover about 64 pixels, got ${n}`);
});

test('a fast stroke with two far apart pointer events leaves no gap', () => {
  const map = new LabelMap(200, 20);
  const editor = new LabelEditor(map);
  editor.brushSize = 3;
  editor.classIndex = 1;
  editor.pointerDown({ x: 5, y: 10 });
  editor.pointerMove({ x: 190, y: 10 });
  editor.pointerUp({ x: 190, y: 10 });
  for (let x = 5; x < 190; x++) assert.equal(map.get(x, 10), 1, `pixel (${x}, 10) is on the stroke`);
  assert.equal(map.get(100, 13), UNLABELED);
});

test('the eraser sets pixels back to unlabeled and is undoable', () => {
  const map = new LabelMap(20, 20, new Uint8Array(400).fill(3));
  const editor = new LabelEditor(map);
  editor.tool = 'eraser';
  editor.brushSize = 4;
  editor.pointerDown({ x: 10, y: 10 });
  editor.pointerUp({ x: 10, y: 10 });
  assert.equal(map.get(10, 10), UNLABELED);
  assert.equal(map.get(0, 0), 3);
  editor.undo();
  assert.equal(labeledCount(map, 3), 400);
});

test('one stroke is one undo item; undo and redo restore exactly; a new stroke clears redo', () => {
  const map = new LabelMap(64, 64);
  const saved: { rect: Rect; cause: string }[] = [];
  const editor = new LabelEditor(map, { committed: (diff, cause) => saved.push({ rect: diff.rect, cause }) });
  editor.brushSize = 5;
  editor.classIndex = 1;
  editor.pointerDown({ x: 10, y: 10 });
  for (let x = 11; x < 40; x += 3) editor.pointerMove({ x, y: 10 + (x % 7) });
  editor.pointerUp({ x: 40, y: 12 });
  const afterFirst = map.data.slice();
  editor.classIndex = 2;
  editor.pointerDown({ x: 30, y: 40 });
  editor.pointerMove({ x: 50, y: 50 });
  editor.pointerUp({ x: 50, y: 50 });
  const afterSecond = map.data.slice();
  assert.deepEqual(saved.map((s) => s.cause), ['stroke', 'stroke']);

  editor.undo();
  assert.deepEqual(map.data, afterFirst);
  editor.undo();
  assert.equal(labeledCount(map), 0);
  assert.equal(editor.history.canUndo, false);
  editor.redo();
  assert.deepEqual(map.data, afterFirst);
  editor.redo();
  assert.deepEqual(map.data, afterSecond);
  assert.deepEqual(saved.map((s) => s.cause), ['stroke', 'stroke', 'undo', 'undo', 'redo', 'redo']);

  editor.undo();
  editor.pointerDown({ x: 1, y: 1 });
  editor.pointerUp({ x: 1, y: 1 });
  assert.equal(editor.history.canRedo, false, 'a new stroke drops the redo branch');
});

test('undo memory grows with the stroke bounding box, not with the image', () => {
  const map = new LabelMap(4096, 4096);
  const editor = new LabelEditor(map);
  editor.brushSize = 8;
  editor.pointerDown({ x: 2000, y: 2000 });
  editor.pointerMove({ x: 2030, y: 2010 });
  editor.pointerMove({ x: 2060, y: 2000 });
  editor.pointerUp({ x: 2060, y: 2000 });
  const bytes = editor.history.bytes;
  assert.ok(bytes > 0 && bytes < 2 * 80 * 30, `stroke ~70x20 px should cost a few KB, got ${bytes} bytes`);
});

test('Escape during a stroke goes back to the mark and records nothing', () => {
  const map = new LabelMap(30, 30);
  const editor = new LabelEditor(map);
  editor.pointerDown({ x: 5, y: 5 });
  editor.pointerMove({ x: 25, y: 25 });
  assert.equal(editor.state, 'painting');
  editor.cancel();
  assert.equal(editor.state, 'idle');
  assert.equal(labeledCount(map), 0);
  assert.equal(editor.history.canUndo, false);
});

test('flood fill is 4-connected: a diagonal gap does not leak', () => {
  // A diagonal wall of class 1 splits the 8x8 map into two 4-connected halves.
  const map = new LabelMap(8, 8);
  for (let i = 0; i < 8; i++) map.set(i, i, 1);
  const editor = new LabelEditor(map);
  editor.tool = 'fill';
  editor.classIndex = 2;
  editor.pointerDown({ x: 6.5, y: 1.5 });
  editor.pointerUp({ x: 6.5, y: 1.5 });
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const expected = x === y ? 1 : x > y ? 2 : UNLABELED;
      assert.equal(map.get(x, y), expected, `pixel (${x}, ${y})`);
    }
  }
  const diff = editor.undo()!;
  assert.deepEqual(diff.rect, { x: 1, y: 0, width: 7, height: 7 }, 'the undo item covers only the filled triangle');
});

test('flood fill bounded by image similarity stops at an image edge', () => {
  const map = new LabelMap(10, 1);
  const grey = [10, 12, 11, 9, 200, 201, 10, 10, 10, 10];
  const editor = new LabelEditor(map);
  editor.tool = 'fill';
  editor.classIndex = 0;
  editor.fillSimilarity = { pixels: grey, channels: 1, tolerance: 20 };
  editor.pointerDown({ x: 0, y: 0 });
  assert.deepEqual(Array.from(map.data), [0, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
});

test('polygon clicks then close fill the inside; a self-crossing lasso uses even-odd', () => {
  const map = new LabelMap(20, 20);
  const editor = new LabelEditor(map);
  editor.tool = 'polygon';
  editor.classIndex = 4;
  for (const p of [{ x: 2, y: 2 }, { x: 12, y: 2 }, { x: 12, y: 8 }, { x: 2, y: 8 }]) {
    editor.pointerDown(p);
    editor.pointerUp(p);
  }
  assert.equal(editor.state, 'polygon');
  assert.equal(labeledCount(map), 0, 'nothing is painted until the polygon closes');
  editor.closePolygon();
  assert.equal(editor.state, 'idle');
  assert.equal(labeledCount(map, 4), 10 * 6);
  assert.equal(map.get(2, 2), 4);
  assert.equal(map.get(12, 2), UNLABELED);

  // A lasso drawn as a pentagram crosses itself: even-odd leaves the central pentagon empty.
  const lasso = new LabelMap(40, 40);
  const lassoEditor = new LabelEditor(lasso);
  lassoEditor.tool = 'polygon';
  lassoEditor.classIndex = 1;
  const star = [0, 2, 4, 1, 3].map((k) => {
    const a = -Math.PI / 2 + (k * 2 * Math.PI) / 5;
    return { x: 20 + 18 * Math.cos(a), y: 20 + 18 * Math.sin(a) };
  });
  lassoEditor.pointerDown(star[0]);
  for (const p of star.slice(1)) lassoEditor.pointerMove(p);
  lassoEditor.pointerUp(star[4]);
  assert.equal(lassoEditor.state, 'idle', 'releasing a lasso drag closes it');
  assert.equal(lasso.get(20, 20), UNLABELED, 'the centre is crossed twice: outside under even-odd');
  assert.equal(lasso.get(20, 5), 1, 'the top tip is inside');
  assert.equal(lasso.get(0, 39), UNLABELED, 'outside the star');
});

test('accepting a prediction inside a region changes only that region, as one undo item', () => {
  const map = new LabelMap(10, 10);
  map.set(0, 0, 3);
  const prediction = new Uint8Array(100).fill(1);
  const editor = new LabelEditor(map);
  editor.acceptPrediction(prediction, [{ x: 5, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 5, y: 10 }]);
  assert.equal(map.get(4, 5), UNLABELED);
  assert.equal(map.get(5, 5), 1);
  assert.equal(labeledCount(map, 1), 50);
  editor.undo();
  assert.equal(labeledCount(map), 1);
  editor.acceptPrediction(prediction);
  assert.equal(labeledCount(map, 1), 100, 'without a region the whole image takes the prediction');
});

test('a long stroke is still one undo item whose diff covers only the stroke', () => {
  const map = new LabelMap(2000, 400);
  const editor = new LabelEditor(map);
  editor.brushSize = 6;
  editor.pointerDown({ x: 100, y: 200 });
  for (let x = 110; x <= 1500; x += 10) editor.pointerMove({ x, y: 200 + 50 * Math.sin(x / 80) });
  editor.pointerUp({ x: 1500, y: 200 });
  const diff = editor.undo()!;
  assert.equal(labeledCount(map), 0);
  assert.ok(diff.rect.x >= 96 && diff.rect.x + diff.rect.width <= 1504, `diff x-range ${diff.rect.x}..${diff.rect.x + diff.rect.width} hugs the stroke`);
  assert.ok(diff.rect.y >= 146 && diff.rect.y + diff.rect.height <= 254, `diff y-range ${diff.rect.y}..${diff.rect.y + diff.rect.height} hugs the stroke`);
  editor.redo();
  assert.equal(map.get(800, Math.floor(200 + 50 * Math.sin(10))), 0);
});

test('labeledBounds is the tight box of labeled pixels', () => {
  const map = new LabelMap(50, 40);
  assert.equal(map.labeledBounds(), null);
  map.set(7, 30, 1);
  map.set(20, 4, 0);
  assert.deepEqual(map.labeledBounds(), { x: 7, y: 4, width: 14, height: 27 });
});
