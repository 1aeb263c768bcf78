import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DIHEDRAL, parseTtaTransforms, predictWithTta, predictWithTtaVariance, type TtaTransformName } from '../../../src/inference/tta.ts';
import type { TileBatch, TilePredictor } from '../../../src/inference/tiler.ts';

await tf.setBackend('cpu');

// A non-square batch with distinct values everywhere, so any wrong inverse shows.
const x: TileBatch = { data: Float32Array.from({ length: 2 * 3 * 5 * 2 }, (_, i) => Math.sin(i * 1.7)), count: 2, height: 3, width: 5, channels: 2 };

/** Per-pixel softmax of 3·x: equivariant under every transform. */
const perPixel: TilePredictor = async (t) => {
  const y = tf.tidy(() => tf.softmax(tf.mul(tf.tensor4d(t.data, [t.count, t.height, t.width, t.channels]), 3)));
  return { ...t, data: y.dataSync() as Float32Array };
};

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

test('every transform is undone exactly: an equivariant predict gives back its plain prediction', async () => {
  const plain = await perPixel(x);
  for (const name of DIHEDRAL) {
    const y = await predictWithTta(perPixel, x, [name]);
    assert.deepEqual([y.count, y.height, y.width, y.channels], [2, 3, 5, 2], name);
    assert.ok(maxDiff(y.data, plain.data) < 1e-6, `${name} is not undone`);
  }
  const { mean, variance } = await predictWithTtaVariance(perPixel, x);
  assert.ok(maxDiff(mean.data, plain.data) < 1e-6);
  assert.ok(Math.max(...variance.data) < 1e-6);
});

test('each transform shows the model the image it names (checked against tfjs reverse and transpose)', async () => {
  const xt = tf.tensor4d(x.data, [x.count, x.height, x.width, x.channels]);
  const t = (v: tf.Tensor4D) => tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D;
  const expected: Record<TtaTransformName, tf.Tensor4D> = {
    identity: xt,
    'flip-h': tf.reverse(xt, 2),
    'flip-v': tf.reverse(xt, 1),
    rot180: tf.reverse(xt, [1, 2]),
    transpose: t(xt),
    rot90: tf.reverse(t(xt), 2),
    rot270: tf.reverse(t(xt), 1),
    'anti-transpose': tf.reverse(t(xt), [1, 2]),
  };
  for (const name of DIHEDRAL) {
    let seen: TileBatch | null = null;
    await predictWithTta(async (tiles) => ((seen = tiles), tiles), x, [name]);
    const want = expected[name];
    assert.deepEqual([seen!.height, seen!.width], want.shape.slice(1, 3), name);
    assert.ok(maxDiff(seen!.data, want.dataSync() as Float32Array) === 0, `${name} shows the model another image`);
  }
});

test('a position-dependent predict is averaged over orientations, with variance where they disagree', async () => {
  // Predicts "class 1" on the left half only: flip-h moves that to the right half, so the mean is 0.5 off-centre.
  const leftHalf: TilePredictor = async (t) => {
    const data = new Float32Array(t.count * t.height * t.width * 2);
    for (let p = 0; p < t.count * t.height * t.width; p++) {
      const j = p % t.width;
      const p1 = j < t.width / 2 - 0.5 ? 1 : j > t.width / 2 - 0.5 ? 0 : 0.5;
      data[p * 2] = 1 - p1;
      data[p * 2 + 1] = p1;
    }
    return { ...t, channels: 2, data };
  };
  const { mean, variance } = await predictWithTtaVariance(leftHalf, x, ['identity', 'flip-h']);
  const at = (b: TileBatch, col: number) => b.data[col * 2 + 1]!; // image 0, row 0, class 1
  assert.ok(Math.abs(at(mean, 0) - 0.5) < 1e-6 && Math.abs(at(mean, 4) - 0.5) < 1e-6);
  assert.ok(Math.abs(at(variance, 0) - 0.25) < 1e-6);
  assert.ok(Math.abs(at(mean, 2) - 0.5) < 1e-6 && Math.abs(at(variance, 2)) < 1e-6); // the centre column agrees
});

test('transform lists parse, and an unknown name lists the valid ones', () => {
  assert.equal(parseTtaTransforms('dihedral').length, 8);
  assert.deepEqual(parseTtaTransforms('identity, rot90'), ['identity', 'rot90']);
  assert.throws(() => parseTtaTransforms('rot45'), /unknown test-time transform "rot45".*flip-h/);
});
