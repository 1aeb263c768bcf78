// The batch-norm layer's own training pass equals tfjs-layers' composed one (outputs, all three gradients, moving
// statistics) on cpu and wasm, keeps less on the gradient tape, and loads and saves as tfjs's BatchNormalization.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/compute/backends.ts';
import { BatchNorm, batchNormTraining } from '../../../src/models/layers/batch-norm.ts';

await initBackend('wasm');

const EPSILON = 1e-3;

function assertClose(actual: tf.Tensor, expected: tf.Tensor, tolerance: number, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const a = actual.dataSync();
  const e = expected.dataSync();
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!) / (1 + Math.abs(e[i]!)));
  assert.ok(worst <= tolerance, `${what}: worst relative difference ${worst}`);
}

/** Our training pass, its output only. */
function ours(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor {
  const { y, mean, variance } = batchNormTraining(x, gamma, beta, EPSILON);
  tf.dispose([mean, variance]);
  return y;
}

/** tfjs's composed training pass: moments, then batchNorm, differentiated by autodiff. */
function composed(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, beta, gamma, EPSILON);
}

for (const backend of ['cpu', 'wasm']) {
  test(`on ${backend}: output and the gradients of x, gamma and beta equal the composed pass`, async () => {
    await tf.setBackend(backend);
    tf.tidy(() => {
      const x = tf.add(tf.mul(tf.randomNormal([3, 5, 7, 4], 0, 1, 'float32', 1), 3), 2);
      const gamma = tf.tensor1d([0.5, 1, 2, -1]);
      const beta = tf.tensor1d([0, 0.1, -0.3, 2]);
      // A loss that weights every output differently, so dy is not constant.
      const weights = tf.randomNormal(x.shape, 0, 1, 'float32', 2);
      const loss = (f: (a: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.square(f(a, g as tf.Tensor1D, b as tf.Tensor1D)), weights)) as tf.Scalar;
      assertClose(ours(x, gamma, beta), composed(x, gamma, beta), 1e-5, 'y');
      const expected = tf.grads(loss(composed))([x, gamma, beta]);
      const actual = tf.grads(loss(ours))([x, gamma, beta]);
      ['dx', 'dgamma', 'dbeta'].forEach((what, i) => assertClose(actual[i]!, expected[i]!, 2e-4, what));
      const { mean, variance } = batchNormTraining(x, gamma, beta, EPSILON);
      const moments = tf.moments(x, [0, 1, 2]);
      assertClose(mean, moments.mean, 1e-6, 'mean');
      assertClose(variance, moments.variance, 1e-5, 'variance');
      tf.dispose([mean, variance]);
    });
  });
}

test('the layer trains and predicts as tfjs-layers BatchNormalization does, moving statistics included', async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([2, 6, 6, 3], 1, 2, 'float32', 3);
  const ours = new BatchNorm({ momentum: 0.9, name: 'ours' });
  const theirs = tf.layers.batchNormalization({ momentum: 0.9, name: 'theirs' });
  for (const layer of [ours, theirs]) layer.apply(tf.input({ shape: [6, 6, 3] }));
  theirs.setWeights([tf.tensor1d([1.5, 0.5, 1]), tf.tensor1d([0, 1, -1]), tf.zeros([3]), tf.ones([3])]);
  ours.setWeights(theirs.getWeights());
  for (let step = 0; step < 3; step++) {
    const a = tf.tidy(() => ours.apply(x, { training: true }) as tf.Tensor);
    const b = tf.tidy(() => theirs.apply(x, { training: true }) as tf.Tensor);
    assertClose(a, b, 1e-5, `training output, step ${step}`);
    tf.dispose([a, b]);
  }
  ours.getWeights().forEach((w, i) => assertClose(w, theirs.getWeights()[i]!, 1e-6, `weight ${i} (gamma, beta, moving mean, moving variance)`));
  assertClose(ours.apply(x) as tf.Tensor, theirs.apply(x) as tf.Tensor, 1e-5, 'inference output');
});

test('the gradient tape keeps less than the composed pass', async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([4, 32, 32, 16], 0, 1, 'float32', 4);
  const gamma = tf.ones([16]) as tf.Tensor1D;
  const beta = tf.zeros([16]) as tf.Tensor1D;
  const peak = async (f: (a: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor) =>
    (await tf.profile(() => tf.tidy(() => tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(a, g as tf.Tensor1D, b as tf.Tensor1D))) as tf.Scalar)([x, gamma, beta])))).peakBytes;
  const fused = await peak(ours);
  const theirs = await peak(composed);
  assert.ok(fused < theirs, `peak ${fused} bytes, composed ${theirs}`);
});

test('a saved model loads its batch norms into this class, and a tfjs-built one does too', async () => {
  await tf.setBackend('wasm');
  for (const makeNorm of [() => new BatchNorm({ name: 'bn' }), () => tf.layers.batchNormalization({ name: 'bn' })]) {
    const input = tf.input({ shape: [4, 4, 2] });
    const model = tf.model({ inputs: input, outputs: makeNorm().apply(input) as tf.SymbolicTensor });
    model.getLayer('bn').setWeights([tf.tensor1d([2, 3]), tf.tensor1d([1, -1]), tf.tensor1d([0.5, 0]), tf.tensor1d([4, 1])]);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    assert.ok(loaded.getLayer('bn') instanceof BatchNorm);
    assert.equal(loaded.getLayer('bn').getClassName(), 'BatchNormalization');
    const x = tf.randomNormal([1, 4, 4, 2], 0, 1, 'float32', 5);
    assertClose(loaded.predict(x) as tf.Tensor, model.predict(x) as tf.Tensor, 1e-6, 'reloaded prediction');
  }
});
