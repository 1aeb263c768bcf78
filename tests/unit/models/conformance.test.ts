// One suite for every registered architecture and every other value of its config choices (U-Net's up-sampling):
// builds, output size = input size, forward + backward reach every trainable weight, odd sizes handled or refused
// clearly, save/load predicts identically, parameter counts stable, no tensor leaks. Overfitting a real patch runs per architecture under overfit/ (each takes tens of seconds).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { architectureNames, getArchitecture } from '../../../src/models/registry.ts';
import { BASE, buildPreset, crossEntropy, saveToMemory, trainStep, useTestBackend } from './model-helpers.ts';

await useTestBackend();

/** countParams() of the default config with 1 input channel and 2 classes; a change here changes saved models. */
const DEFAULT_PARAMETER_COUNTS: Record<string, number> = {
  unet: 7_759_554,
  'unet upsampling=transpose': 7_759_554,
  'unet upsampling=bilinear': 7_759_554,
  'segnet-basic': 1_410_242,
  segnet: 29_487_042,
  deeplab: 6_337_890,
  'fcn-32s': 7_114_274,
  'fcn-16s': 7_102_564,
  'fcn-8s': 7_099_814,
};

const names = architectureNames();

test('the expected architectures are registered', () => {
  for (const name of ['unet', 'segnet-basic', 'segnet', 'deeplab', 'fcn-32s', 'fcn-16s', 'fcn-8s']) assert.ok(names.includes(name), `${name} is not registered`);
});

/** Each architecture, then each of its choices' other values on its own: every variant a user can train. */
const variants = [
  ...names.map((name) => ({ name, label: name, overrides: {} as Record<string, string> })),
  ...names.flatMap((name) =>
    Object.entries(getArchitecture(name).choices ?? {}).flatMap(([field, values]) =>
      values.slice(1).map((value) => ({ name, label: `${name} ${field}=${value}`, overrides: { [field]: value } })),
    ),
  ),
];

for (const { name: architecture, label: name, overrides } of variants) {
  const build = (preset?: string) => buildPreset(architecture, preset, overrides);
  test(`${name}: default config has the recorded parameter count`, () => {
    const { model } = build();
    assert.ok(name in DEFAULT_PARAMETER_COUNTS, `record ${name}'s parameter count (${model.countParams()}) in DEFAULT_PARAMETER_COUNTS`);
    assert.equal(model.countParams(), DEFAULT_PARAMETER_COUNTS[name]);
    model.dispose();
  });

  test(`${name}: every preset validates and builds with named encoder and CAM layers`, () => {
    const { arch } = build('small');
    for (const preset of Object.keys(arch.presets)) {
      const { config, model } = build(preset);
      assert.equal(model.inputs[0].shape.length, 4);
      assert.deepEqual(model.outputs[0].shape.slice(3), [BASE.numClasses], `${preset}: softmax over the classes`);
      const layerNames = new Set(model.layers.map((l) => l.name));
      const encoder = arch.encoderLayers(model, config);
      assert.ok(encoder.length > 0, `${preset}: no encoder layers`);
      for (const layer of encoder) assert.ok(layerNames.has(layer), `${preset}: encoder layer ${layer} is not in the model`);
      assert.ok(layerNames.has(arch.defaultCamLayer(model, config)), `${preset}: CAM layer missing`);
      model.dispose();
    }
  });

  test(`${name}: output shape equals input shape at multiples of the size multiple`, () => {
    const { arch, config, model } = build('small');
    const m = arch.sizeMultiple(config);
    for (const [h, w] of [[m, m], [2 * m, m], [m, 3 * m]]) {
      const y = tf.tidy(() => model.predict(tf.randomUniform([2, h, w, 1])) as tf.Tensor);
      assert.deepEqual(y.shape, [2, h, w, BASE.numClasses], `${h}×${w}`);
      const sums = tf.tidy(() => tf.sum(y, -1).dataSync());
      assert.ok(sums.every((s) => Math.abs(s - 1) < 1e-4), `${h}×${w}: softmax does not sum to 1`);
      y.dispose();
    }
    model.dispose();
  });

  test(`${name}: a size that is not a multiple is handled or refused with a message naming the multiple`, () => {
    const { arch, config, model } = build('small');
    const m = arch.sizeMultiple(config);
    const [h, w] = [m + 1, 2 * m];
    let shape: number[] | null = null;
    try {
      shape = tf.tidy(() => (model.predict(tf.zeros([1, h, w, 1])) as tf.Tensor).shape);
    } catch (error) {
      assert.match((error as Error).message, new RegExp(`multiples? of ${m}`), `unclear error for ${h}×${w}`);
    }
    if (shape) assert.deepEqual(shape, [1, h, w, BASE.numClasses], `${h}×${w} gave the wrong output size`);
    model.dispose();
  });

  test(`${name}: forward + backward reach every trainable weight`, () => {
    const { arch, config, model } = build('small');
    const size = 2 * arch.sizeMultiple(config);
    const x = tf.randomNormal([2, size, size, 1], 0, 1, 'float32', 1);
    const target = tf.oneHot(tf.cast(tf.greater(tf.randomUniform([2, size, size], 0, 1, 'float32', 2), 0.5), 'int32') as tf.Tensor3D, 2);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true }) as tf.Tensor, target), variables);
    assert.ok(Number.isFinite(value.dataSync()[0]));
    for (const v of variables) {
      const g = grads[v.name];
      assert.ok(g, `no gradient for ${v.name}`);
      assert.ok(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) > 0, `zero gradient for ${v.name}`);
    }
    tf.dispose([x, target, value, ...Object.values(grads)]);
    model.dispose();
  });

  test(`${name}: saved to memory and reloaded, it predicts identically (moving statistics included)`, async () => {
    const { arch, config, model } = build('small');
    const size = 2 * arch.sizeMultiple(config);
    const x = tf.randomNormal([1, size, size, 1], 0, 1, 'float32', 3);
    const target = tf.oneHot(tf.zeros([1, size, size], 'int32') as tf.Tensor3D, 2);
    // Train a little so that weights and batch-norm moving statistics differ from their initial values.
    const optimizer = tf.train.adam(0.01);
    for (let i = 0; i < 2; i++) trainStep(model, optimizer, x, target);
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(model)));
    assert.deepEqual(reloaded.layers.map((l) => l.name), model.layers.map((l) => l.name));
    const before = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    const after = tf.tidy(() => (reloaded.predict(x) as tf.Tensor).dataSync());
    assert.deepEqual(Array.from(after), Array.from(before));
    tf.dispose([x, target]);
    optimizer.dispose();
    model.dispose();
    reloaded.dispose();
  });

  test(`${name}: predicting leaks no tensors`, () => {
    const { arch, config, model } = build('small');
    const x = tf.zeros([1, arch.sizeMultiple(config), arch.sizeMultiple(config), 1]);
    tf.dispose(model.predict(x)); // the first call may create lazily-built state
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(model.predict(x));
    assert.equal(tf.memory().numTensors, count);
    x.dispose();
    model.dispose();
  });

  test(`${name}: has an overfit test`, () => {
    const file = path.join(import.meta.dirname, 'overfit', `${name.replace(/[ =]/g, '-')}.test.ts`);
    assert.ok(existsSync(file), `add ${path.relative(process.cwd(), file)} (see overfit/overfit-case.ts)`);
  });
}
