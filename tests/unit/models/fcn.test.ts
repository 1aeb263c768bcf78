// FCN-32s/16s/8s beyond the conformance suite: the up-sampling starts as bilinear interpolation aligned with the
// pixel centres, and each variant adds the pooling-layer skips its name says, at the strides it says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildPreset, useTestBackend } from './model-helpers.ts';

await useTestBackend();

test('a fresh up-sampling layer is bilinear interpolation: each coarse score sits at the centre of its block', () => {
  for (const [name, layer, factor] of [['fcn-32s', 'upscore32', 32], ['fcn-8s', 'upscore8', 8], ['fcn-8s', 'upscore2', 2]] as const) {
    const { model } = buildPreset(name, 'small');
    const coarse = tf.randomNormal([1, 5, 6, 2], 0, 1, 'float32', 4);
    const [up, reference] = tf.tidy(() => [
      model.getLayer(layer).apply(coarse) as tf.Tensor4D,
      // Half-pixel centres: coarse pixel i covers fine pixels i·s … i·s + s − 1.
      tf.image.resizeBilinear(coarse as tf.Tensor4D, [5 * factor, 6 * factor], false, true),
    ]);
    assert.deepEqual(up.shape, [1, 5 * factor, 6 * factor, 2]);
    // Away from the border (where the transposed conv reads zero padding and the resize clamps) they agree.
    const margin = factor / 2;
    const inner = (t: tf.Tensor4D) => tf.slice(t, [0, margin, margin, 0], [1, 5 * factor - 2 * margin, 6 * factor - 2 * margin, 2]);
    const worst = tf.tidy(() => tf.max(tf.abs(tf.sub(inner(up), inner(reference)))).dataSync()[0]!);
    assert.ok(worst < 1e-5, `${name} ${layer}: differs from bilinear by ${worst}`);
    tf.dispose([coarse, up, reference]);
    model.dispose();
  }
});

test('each variant adds the skips its name says: none, pool4 at stride 16, pool4 and pool3 at strides 16 and 8', () => {
  const expected: Record<string, { skips: string[]; last: string; lastStride: number }> = {
    'fcn-32s': { skips: [], last: 'upscore32', lastStride: 32 },
    'fcn-16s': { skips: ['enc4_pool'], last: 'upscore16', lastStride: 16 },
    'fcn-8s': { skips: ['enc4_pool', 'enc3_pool'], last: 'upscore8', lastStride: 8 },
  };
  for (const [name, want] of Object.entries(expected)) {
    const { model } = buildPreset(name, 'small');
    const scored = model.layers.filter((l) => /^score_pool\d$/.test(l.name)).map((l) => l.inboundNodes[0]!.inboundLayers[0]!.name);
    assert.deepEqual(scored, want.skips, name);
    const last = model.getLayer(want.last);
    assert.equal(last.getClassName(), 'Conv2DTranspose');
    assert.deepEqual(last.getConfig().strides, [want.lastStride, want.lastStride], name);
    // The final up-sampling reads a grid of 1/stride of the input: 64×96 → 2×3 at stride 32, 8×12 at stride 8.
    const grid = tf.tidy(() => (tf.model({ inputs: model.inputs, outputs: last.input as tf.SymbolicTensor }).predict(tf.zeros([1, 64, 96, 1])) as tf.Tensor).shape);
    assert.deepEqual(grid, [1, 64 / want.lastStride, 96 / want.lastStride, 2], name);
    model.dispose();
  }
});

test('a skip\'s scores reach the output', () => {
  const x = tf.randomNormal([1, 64, 64, 1], 0, 1, 'float32', 9);
  for (const name of ['fcn-16s', 'fcn-8s']) {
    const { model } = buildPreset(name, 'small');
    const before = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    // The skip scores start at zero (as in the paper); give the deepest one a bias and the output must change.
    const score = model.getLayer('score_pool4');
    const [kernel] = score.getWeights();
    const bias = tf.tensor1d([1.5, -1.5]); // a shift of one class against the other (an equal shift cancels in softmax)
    score.setWeights([kernel!, bias]);
    bias.dispose();
    const after = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    assert.ok(after.some((v, i) => Math.abs(v - before[i]!) > 1e-3), `${name}: score_pool4 does not reach the output`);
    model.dispose();
  }
  x.dispose();
});

test('bad FCN configs are refused naming the field and its range', () => {
  assert.throws(() => buildPreset('fcn-8s', 'small', { fcFilters: 0 }), /"fcFilters" must be an integer in \[1, 4096\], got 0/);
  assert.throws(() => buildPreset('fcn-16s', 'small', { dropout: 1 }), /"dropout" must be a number in \[0, 0.9\], got 1/);
  assert.throws(() => buildPreset('fcn-32s', 'huge'), /no preset "huge": choose one of small, standard/);
});
