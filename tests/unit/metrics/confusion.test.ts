import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfusionMatrix } from '../../../src/metrics/confusion.ts';

const u8 = (values: number[]) => Uint8Array.from(values);

function assertClose(actual: number | null, expected: number, message?: string): void {
  assert.ok(actual !== null, `${message ?? 'value'} is null, expected ${expected}`);
  assert.ok(Math.abs(actual - expected) < 1e-12, `${message ?? 'value'}: ${actual} != ${expected}`);
}

test('hand-computed 3-class case: counts, per-class scores, accuracy, mean and frequency-weighted IoU', () => {
  const cm = new ConfusionMatrix(3);
  // The last pixel is unlabeled in truth, so its prediction (2) must not count anywhere.
  cm.add(u8([0, 0, 1, 1, 2, 255]), u8([0, 1, 1, 1, 0, 2]));
  const r = cm.report(['background', 'cell', 'nucleus']);

  assert.deepEqual(r.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 0]]);
  assertClose(r.pixelAccuracy, 3 / 5, 'pixel accuracy');

  const [c0, c1, c2] = r.perClass;
  assert.equal(c0.name, 'background');
  assertClose(c0.iou, 1 / 3); assertClose(c0.dice, 1 / 2); assertClose(c0.precision, 1 / 2); assertClose(c0.recall, 1 / 2);
  assert.equal(c0.support, 2);
  assertClose(c1.iou, 2 / 3); assertClose(c1.dice, 4 / 5); assertClose(c1.precision, 2 / 3); assertClose(c1.recall, 1);
  // Class 2 is in truth but never predicted: IoU 0 (counted in the mean), precision undefined.
  assertClose(c2.iou, 0); assertClose(c2.dice, 0); assertClose(c2.recall, 0);
  assert.equal(c2.precision, null);
  assert.equal(c2.support, 1);

  assertClose(r.meanIoU, (1 / 3 + 2 / 3 + 0) / 3, 'mean IoU');
  assertClose(r.frequencyWeightedIoU, (2 * (1 / 3) + 2 * (2 / 3) + 1 * 0) / 5, 'FW-IoU');
});

test('a class absent from truth and prediction is null everywhere and left out of the mean', () => {
  const cm = new ConfusionMatrix(3);
  cm.add(u8([0, 1, 0, 1]), u8([0, 1, 1, 1]));
  const r = cm.report();
  const absent = r.perClass[2];
  assert.deepEqual(absent, { index: 2, name: 'class 2', iou: null, dice: null, precision: null, recall: null, support: 0 });
  assertClose(r.perClass[0].iou, 1 / 2);
  assertClose(r.perClass[1].iou, 2 / 3);
  assertClose(r.meanIoU, (1 / 2 + 2 / 3) / 2, 'mean IoU over the two present classes');
  assertClose(r.frequencyWeightedIoU, (2 * (1 / 2) + 2 * (2 / 3)) / 4, 'FW-IoU');
  // JSON carries null, never NaN.
  assert.doesNotMatch(JSON.stringify(r), /NaN/);
});

test('a class predicted but absent from truth has IoU 0 (in the mean) and null recall', () => {
  const cm = new ConfusionMatrix(2);
  cm.add(u8([0, 0, 0, 0]), u8([0, 0, 0, 1]));
  const r = cm.report();
  assertClose(r.perClass[1].iou, 0);
  assertClose(r.perClass[1].precision, 0);
  assert.equal(r.perClass[1].recall, null);
  assertClose(r.meanIoU, (3 / 4 + 0) / 2);
  assertClose(r.frequencyWeightedIoU, 3 / 4);
});

test('all-unlabeled truth gives an empty report with nulls, not zeros or NaN', () => {
  const cm = new ConfusionMatrix(2);
  cm.add(new Uint8Array(100).fill(255), new Uint8Array(100).fill(1));
  const r = cm.report();
  assert.equal(r.pixelAccuracy, null);
  assert.equal(r.meanIoU, null);
  assert.equal(r.frequencyWeightedIoU, null);
  assert.deepEqual(r.confusion, [[0, 0], [0, 0]]);
  for (const c of r.perClass) assert.deepEqual([c.iou, c.dice, c.precision, c.recall, c.support], [null, null, null, null, 0]);
});

test('prediction 255 on a labeled pixel is a miss for the truth class and a false positive for none', () => {
  const cm = new ConfusionMatrix(2);
  cm.add(u8([0, 0, 1, 1]), u8([0, 255, 1, 1]));
  const r = cm.report();
  assert.deepEqual(r.confusion, [[1, 0], [0, 2]]);
  assert.deepEqual(Array.from(cm.unpredicted), [1, 0]);
  assert.equal(r.perClass[0].support, 2);
  assertClose(r.perClass[0].recall, 1 / 2);
  assertClose(r.perClass[0].precision, 1);
  assertClose(r.perClass[0].iou, 1 / 2);
  assertClose(r.perClass[1].iou, 1);
  assertClose(r.pixelAccuracy, 3 / 4);
});

test('values that are neither a class index nor 255 throw, naming the value, and change nothing', () => {
  const cm = new ConfusionMatrix(3);
  cm.add(u8([0, 1]), u8([0, 1]));
  assert.throws(() => cm.add(u8([0, 3]), u8([0, 0])), /truth value 3\b/);
  assert.throws(() => cm.add(u8([0, 1]), u8([7, 0])), /prediction value 7\b/);
  assert.throws(() => cm.add(u8([0, 1, 2]), u8([0, 1])), /3 pixels .* 2/);
  assert.deepEqual(Array.from(cm.counts), [1, 0, 0, 0, 1, 0, 0, 0, 0]);
  assert.throws(() => new ConfusionMatrix(0), /1 to 255/);
  assert.throws(() => cm.report(['a', 'b']), /2 class names for 3 classes/);
});

test('merge equals adding both pairs to one matrix, and refuses a different class count', () => {
  const a = new ConfusionMatrix(3);
  const b = new ConfusionMatrix(3);
  const both = new ConfusionMatrix(3);
  const t1 = u8([0, 1, 2, 2, 255]), p1 = u8([0, 2, 2, 255, 1]);
  const t2 = u8([1, 1, 0]), p2 = u8([1, 0, 0]);
  a.add(t1, p1);
  b.add(t2, p2);
  both.add(t1, p1);
  both.add(t2, p2);
  a.merge(b);
  assert.deepEqual(a.counts, both.counts);
  assert.deepEqual(a.unpredicted, both.unpredicted);
  assert.deepEqual(a.report(), both.report());
  assert.throws(() => a.merge(new ConfusionMatrix(2)), /2-class .* 3-class/);
});

test('counts of a large random pair match a naive per-pixel tally', () => {
  const n = 5, size = 300_000;
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  const truth = new Uint8Array(size), pred = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    truth[i] = next() % 10 === 0 ? 255 : next() % n;
    pred[i] = next() % 50 === 0 ? 255 : next() % n;
  }
  const expected = new Float64Array(n * n);
  const expectedUnpredicted = new Float64Array(n);
  for (let i = 0; i < size; i++) {
    if (truth[i] === 255) continue;
    if (pred[i] === 255) expectedUnpredicted[truth[i]]++;
    else expected[truth[i] * n + pred[i]]++;
  }
  const cm = new ConfusionMatrix(n);
  cm.add(truth, pred);
  assert.deepEqual(cm.counts, expected);
  assert.deepEqual(cm.unpredicted, expectedUnpredicted);
  const r = cm.report();
  const labeled = expected.reduce((s, v) => s + v, 0) + expectedUnpredicted.reduce((s, v) => s + v, 0);
  assert.equal(r.perClass.reduce((s, c) => s + c.support, 0), labeled);
});
