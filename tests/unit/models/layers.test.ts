// Custom layers: pooling with indices, unpooling, atrous convolution, resize-like. Values, gradients, save/load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { maxPoolWithIndices, unpoolWithIndices, MaxPoolWithIndices, MaxUnpooling2D } from '../../../src/models/layers/pool-indices.ts';
import { atrousConv2d, AtrousConv2D } from '../../../src/models/layers/atrous-conv.ts';
import { ResizeBilinearLike } from '../../../src/models/layers/resize-like.ts';
import { initBackend } from '../../../src/compute/backends.ts';

await tf.setBackend('cpu');

/** Central finite differences of scalar f at x, element by element (float32, so eps is not tiny). */
function numericalGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps = 1e-2): Float32Array {
  const base = x.dataSync().slice();
  const grad = new Float32Array(base.length);
  for (let i = 0; i < base.length; i++) {
    const plus = base.slice();
    plus[i] += eps;
    const minus = base.slice();
    minus[i] -= eps;
    const fp = tf.tidy(() => f(tf.tensor(plus, x.shape)).dataSync()[0]);
    const fm = tf.tidy(() => f(tf.tensor(minus, x.shape)).dataSync()[0]);
    grad[i] = (fp - fm) / (2 * eps);
  }
  return grad;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Distinct values (no ties) so max-pooling is differentiable at x and finite differences are valid. */
function distinctInput(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = Array.from({ length: n }, (_, i) => ((i * 7919 + seed * 104729) % n) / n);
  return tf.tensor4d(order.map((v) => v * 4 - 2), shape);
}

test('pooling records the window index of each max and pools the max', () => {
  // One channel, 4×4: the max of each 2×2 window sits at a different corner.
  const x = tf.tensor4d([
    [9, 1, 2, 3],
    [0, 0, 7, 0],
    [0, 0, 0, 0],
    [0, 5, 6, 0],
  ].flat(), [1, 4, 4, 1]);
  const [pooled, indices] = maxPoolWithIndices(x);
  assert.deepEqual(Array.from(pooled.dataSync()), [9, 7, 5, 6]);
  assert.deepEqual(Array.from(indices.dataSync()), [0, 2, 3, 2]);
  assert.deepEqual(Array.from(pooled.dataSync()), Array.from(tf.maxPool(x, 2, 2, 'valid').dataSync()));
});

test('unpooling places each value at its recorded index and zeros elsewhere', () => {
  const values = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
  const indices = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]);
  const out = unpoolWithIndices(values, indices);
  assert.deepEqual(out.shape, [1, 4, 4, 1]);
  assert.deepEqual(Array.from(out.dataSync()), [
    [1, 0, 0, 2],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [3, 0, 0, 4],
  ].flat());
});

test('pool then unpool keeps every max where it was, per channel, and zeros the rest', () => {
  const x = distinctInput([2, 6, 4, 3], 1);
  const [pooled, indices] = maxPoolWithIndices(x);
  const back = unpoolWithIndices(pooled, indices).arraySync() as number[][][][];
  const input = x.arraySync() as number[][][][];
  for (let b = 0; b < 2; b++) {
    for (let y = 0; y < 6; y++) {
      for (let xx = 0; xx < 4; xx++) {
        for (let c = 0; c < 3; c++) {
          const wy = y - (y % 2);
          const wx = xx - (xx % 2);
          const window = [input[b][wy][wx][c], input[b][wy][wx + 1][c], input[b][wy + 1][wx][c], input[b][wy + 1][wx + 1][c]];
          const isMax = input[b][y][xx][c] === Math.max(...window);
          assert.equal(back[b][y][xx][c] + 0, isMax ? input[b][y][xx][c] : 0, `at b${b} y${y} x${xx} c${c}`);
        }
      }
    }
  }
});

test('ties go to the first position of the window in row-major order', () => {
  const x = tf.tensor4d([
    [5, 5, 0, 1],
    [5, 5, 1, 1],
  ].flat(), [1, 2, 4, 1]);
  const [pooled, indices] = maxPoolWithIndices(x);
  assert.deepEqual(Array.from(pooled.dataSync()), [5, 1]);
  assert.deepEqual(Array.from(indices.dataSync()), [0, 1]);
  assert.deepEqual(Array.from(unpoolWithIndices(pooled, indices).dataSync()), [5, 0, 0, 1, 0, 0, 0, 0]);
});

test('odd sizes are refused with a message that names the size', () => {
  assert.throws(() => maxPoolWithIndices(tf.zeros([1, 5, 4, 1]) as tf.Tensor4D), /must be even, got 5×4/);
});

test('pooling gradient matches finite differences', () => {
  const x = distinctInput([1, 4, 6, 2], 3);
  const weights = tf.add(distinctInput([1, 2, 3, 2], 5), 3); // all non-zero
  const f = (input: tf.Tensor) => tf.sum(tf.mul(maxPoolWithIndices(input as tf.Tensor4D)[0], weights)) as tf.Scalar;
  const analytic = tf.grad(f)(x);
  assertClose(analytic.dataSync(), numericalGradient(f, x), 1e-2, 'd pool / dx');
  // Only the max of each window receives gradient.
  assert.equal(Array.from(analytic.dataSync()).filter((g) => g !== 0).length, 12);
});

test('unpooling gradient matches finite differences', () => {
  const values = distinctInput([1, 2, 3, 2], 7);
  const indices = tf.tensor4d([0, 1, 2, 3, 3, 2, 1, 0, 0, 3, 1, 2], [1, 2, 3, 2]);
  const weights = distinctInput([1, 4, 6, 2], 11);
  const f = (v: tf.Tensor) => tf.sum(tf.mul(unpoolWithIndices(v as tf.Tensor4D, indices), weights)) as tf.Scalar;
  assertClose(tf.grad(f)(values).dataSync(), numericalGradient(f, values), 1e-2, 'd unpool / dv');
});

test('pool → scale → unpool chain: gradient matches finite differences', () => {
  const x = distinctInput([1, 4, 4, 2], 13);
  const weights = distinctInput([1, 4, 4, 2], 17);
  const f = (input: tf.Tensor) => {
    const [pooled, indices] = maxPoolWithIndices(input as tf.Tensor4D);
    return tf.sum(tf.mul(unpoolWithIndices(tf.mul(pooled, pooled) as tf.Tensor4D, indices), weights)) as tf.Scalar;
  };
  assertClose(tf.grad(f)(x).dataSync(), numericalGradient(f, x), 2e-2, 'd chain / dx');
});

test('atrous convolution equals tfjs dilated convolution (forward), full and depthwise, odd sizes too', () => {
  for (const [h, w, rate] of [[7, 9, 2], [8, 8, 3], [5, 6, 6]] as const) {
    const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const kernel = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const expected = tf.conv2d(x, kernel, 1, 'same', 'NHWC', rate);
    assertClose(atrousConv2d(x, kernel, rate, false).dataSync(), expected.dataSync(), 1e-4, `conv ${h}×${w} rate ${rate}`);
    const dwKernel = tf.randomNormal([3, 3, 3, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const dwExpected = tf.depthwiseConv2d(x, dwKernel, 1, 'same', 'NHWC', rate);
    assertClose(atrousConv2d(x, dwKernel, rate, true).dataSync(), dwExpected.dataSync(), 1e-4, `depthwise ${h}×${w} rate ${rate}`);
  }
});

test('atrous convolution gradients (input and kernel) match finite differences', () => {
  const x = tf.randomNormal([1, 5, 6, 2], 0, 1, 'float32', 4) as tf.Tensor4D;
  const kernel = tf.randomNormal([3, 3, 2, 2], 0, 1, 'float32', 5) as tf.Tensor4D;
  const weights = tf.randomNormal([1, 5, 6, 2], 0, 1, 'float32', 6);
  const byX = (v: tf.Tensor) => tf.sum(tf.mul(atrousConv2d(v as tf.Tensor4D, kernel, 2, false), weights)) as tf.Scalar;
  assertClose(tf.grad(byX)(x).dataSync(), numericalGradient(byX, x), 2e-2, 'd atrous / dx');
  const byK = (k: tf.Tensor) => tf.sum(tf.mul(atrousConv2d(x, k as tf.Tensor4D, 2, false), weights)) as tf.Scalar;
  assertClose(tf.grad(byK)(kernel).dataSync(), numericalGradient(byK, kernel), 2e-2, 'd atrous / dkernel');
  const dwKernel = tf.randomNormal([3, 3, 2, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
  const byDw = (k: tf.Tensor) => tf.sum(tf.mul(atrousConv2d(x, k as tf.Tensor4D, 3, true), weights)) as tf.Scalar;
  assertClose(tf.grad(byDw)(dwKernel).dataSync(), numericalGradient(byDw, dwKernel), 2e-2, 'd depthwise atrous / dkernel');
});

test('on wasm, pooling, unpooling and both gradients give what cpu gives', async () => {
  await initBackend('wasm');
  const run = () => {
    const x = distinctInput([2, 6, 4, 3], 9);
    const [pooled, indices] = maxPoolWithIndices(x);
    const weights = tf.range(1, 1 + 2 * 6 * 4 * 3).reshape([2, 6, 4, 3]);
    const dPool = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(maxPoolWithIndices(input as tf.Tensor4D)[0], pooled)))(x);
    const dUnpool = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(unpoolWithIndices(v as tf.Tensor4D, indices), weights)))(pooled);
    return [pooled, indices, unpoolWithIndices(pooled, indices), dPool, dUnpool].map((t) => Array.from(t.dataSync()));
  };
  const wasm = tf.tidy(run);
  await tf.setBackend('cpu');
  assert.deepEqual(wasm, tf.tidy(run));
});

test('a pooling layer whose two outputs are both used pools once per forward pass, and trains through both', async () => {
  const input = tf.input({ shape: [8, 8, 2] });
  const [pooled, indices] = new MaxPoolWithIndices({ name: 'pool' }).apply(input) as tf.SymbolicTensor[];
  const dense = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'mix' }).apply(pooled) as tf.SymbolicTensor;
  const unpooled = new MaxUnpooling2D({ name: 'unpool' }).apply([dense, indices]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: unpooled });
  const x = distinctInput([1, 8, 8, 2], 5);
  const { kernels } = await tf.profile(() => tf.tidy(() => model.apply(x, { training: true }) as tf.Tensor));
  assert.equal(kernels.filter((k) => k.name === 'ArgMax').length, 1, 'the layer ran its pooling more than once');
  assert.equal(kernels.filter((k) => k.name === 'MaxPool').length, 1);
  const kernel = model.getLayer('mix').trainableWeights[0]!.read();
  const loss = () => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar;
  const { grads } = tf.variableGrads(loss, [kernel as tf.Variable]);
  assert.ok(Object.values(grads)[0]!.abs().sum().dataSync()[0]! > 0, 'no gradient reached the conv between pool and unpool');
  model.dispose();
});

test('a model using every custom layer saves to memory, reloads, keeps configs and predicts identically', async () => {
  const input = tf.input({ shape: [null, null, 2] });
  const [pooled, indices] = new MaxPoolWithIndices({ name: 'pool' }).apply(input) as tf.SymbolicTensor[];
  const atrous = new AtrousConv2D({ name: 'atrous', filters: 2, kernelSize: 3, rate: 2, depthwise: false, useBias: true }).apply(pooled) as tf.SymbolicTensor;
  const dw = new AtrousConv2D({ name: 'dw', filters: 2, kernelSize: 3, rate: 3, depthwise: true, useBias: false }).apply(atrous) as tf.SymbolicTensor;
  const unpooled = new MaxUnpooling2D({ name: 'unpool' }).apply([dw, indices]) as tf.SymbolicTensor;
  const small = tf.layers.averagePooling2d({ poolSize: 4, name: 'shrink' }).apply(input) as tf.SymbolicTensor;
  const resized = new ResizeBilinearLike({ name: 'resize' }).apply([small, unpooled]) as tf.SymbolicTensor;
  const out = tf.layers.add({ name: 'sum' }).apply([unpooled, resized]) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });

  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const reloaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
  const layer = reloaded.getLayer('dw') as AtrousConv2D;
  assert.equal(layer.rate, 3);
  assert.equal(layer.depthwise, true);

  const x = tf.randomNormal([1, 12, 8, 2], 0, 1, 'float32', 9);
  const a = (model.predict(x) as tf.Tensor).dataSync();
  const b = (reloaded.predict(x) as tf.Tensor).dataSync();
  assert.deepEqual((reloaded.predict(x) as tf.Tensor).shape, [1, 12, 8, 2]);
  assert.deepEqual(Array.from(b), Array.from(a));
});
