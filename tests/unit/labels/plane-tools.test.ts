// Whole-plane tool results through LabelEditor.applyPlane, and selecting a predicted region: one undo item each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMorphology, LabelEditor, LabelMap, UNLABELED } from '../../../src/labels/index.ts';

const _ = UNLABELED;

test('applyPlane writes a morphology result as one undo item, and only inside its rectangle when given', () => {
  const map = new LabelMap(6, 5, Uint8Array.from([
    _, _, _, _, _, _,
    _, 1, 1, 1, _, _,
    _, 1, _, 1, _, 1,
    _, 1, 1, 1, _, _,
    _, _, _, _, _, _,
  ]));
  const before = Uint8Array.from(map.data);
  const committed: string[] = [];
  const editor = new LabelEditor(map, { committed: (_diff, cause) => committed.push(cause) });
  const filled = applyMorphology(map.data, map, 2, { operation: 'fill-holes', classIndex: 1 }).labels;
  const diff = editor.applyPlane(filled);
  assert.deepEqual(diff?.rect, { x: 2, y: 2, width: 1, height: 1 }, 'the undo item holds only the changed pixel');
  assert.equal(map.get(2, 2), 1);
  assert.deepEqual(committed, ['stroke']);
  editor.undo();
  assert.deepEqual(map.data, before);
  editor.redo();
  assert.equal(map.get(2, 2), 1);

  const islandsGone = applyMorphology(map.data, map, 2, { operation: 'remove-islands', classIndex: 1, minSize: 2 }).labels;
  editor.applyPlane(islandsGone, { x: 0, y: 0, width: 3, height: 5 });
  assert.equal(map.get(5, 2), 1, 'the island outside the rectangle stays');
  assert.equal(editor.applyPlane(Uint8Array.from(map.data)), null, 'an unchanged plane adds no undo item');
  assert.throws(() => editor.applyPlane(new Uint8Array(3)), /plane has 3 pixels/);
});

test('the region tool takes only the connected predicted region under the click, overwriting it, as one undo item', () => {
  const prediction = Uint8Array.from([
    0, 0, 1, 1, 0,
    0, 1, 1, 0, 0,
    0, 0, 0, 0, 1,
    1, 0, 0, 1, 1,
  ]);
  const map = new LabelMap(5, 4);
  map.set(0, 0, 1);
  const editor = new LabelEditor(map);
  editor.tool = 'region';
  editor.pointerDown({ x: 2.5, y: 0.5 });
  editor.pointerUp({ x: 2.5, y: 0.5 });
  assert.equal(map.get(0, 0), 1, 'nothing happens without a prediction');
  editor.prediction = prediction;
  editor.pointerDown({ x: 2.5, y: 0.5 });
  editor.pointerUp({ x: 2.5, y: 0.5 });
  assert.deepEqual([...map.data], [
    1, _, 1, 1, _,
    _, 1, 1, _, _,
    _, _, _, _, _,
    _, _, _, _, _,
  ], 'the class-1 region touching (2, 0) by edges; the one at (4, 2) and the corner at (0, 3) are not taken');
  // A click on the background class takes its region, replacing the painted 1 at (0, 0).
  editor.pointerDown({ x: 0.2, y: 1.9 });
  assert.equal(map.get(0, 0), 0);
  assert.equal(map.get(4, 0), 0, 'background reached round the 1s through (4, 1)');
  assert.equal(map.get(4, 2), _, 'pixels predicted as another class stay as they were');
  assert.equal(map.get(2, 0), 1);
  editor.undo();
  assert.equal(map.get(0, 0), 1);
  editor.undo();
  assert.equal(map.get(2, 0), _);
  assert.equal(editor.history.canUndo, false, 'each pick was exactly one undo item');
});
