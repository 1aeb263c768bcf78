// SegNet structure: index unpooling wired to the matching encoder pooling, no skip concatenation,
// 13 encoder convs in the VGG16 variant, clear refusal of sizes that are not a multiple.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildPreset, useTestBackend } from './model-helpers.ts';

await useTestBackend();

function inboundLayerNames(model: tf.LayersModel, layerName: string): string[] {
  const inputs = model.getLayer(layerName).input;
  return (Array.isArray(inputs) ? inputs : [inputs]).map((t) => t.sourceLayer.name);
}

for (const [name, levels, encoderConvs] of [['segnet-basic', 4, 4], ['segnet', 5, 13]] as const) {
  test(`${name}: each decoder level unpools with the indices of the same encoder level`, () => {
    const { model } = buildPreset(name, 'small');
    for (let level = 1; level <= levels; level++) {
      const sources = inboundLayerNames(model, `dec${level}_unpool`);
      assert.equal(sources[1], `enc${level}_pool`, `dec${level}_unpool indices`);
      assert.equal(model.getLayer(`dec${level}_unpool`).getClassName(), 'MaxUnpooling2D');
    }
  });

  test(`${name}: no skip concatenation and no learned or interpolating up-sampling`, () => {
    const { model } = buildPreset(name, 'small');
    const classes = new Set(model.layers.map((l) => l.getClassName()));
    for (const forbidden of ['Concatenate', 'Add', 'UpSampling2D', 'Conv2DTranspose']) assert.ok(!classes.has(forbidden), forbidden);
  });

  test(`${name}: ${encoderConvs} encoder convs, each followed by batch norm and ReLU`, () => {
    const { model } = buildPreset(name);
    const convs = model.layers.filter((l) => /^enc\d+_conv\d+$/.test(l.name));
    assert.equal(convs.length, encoderConvs);
    for (const conv of convs) {
      assert.ok(model.getLayer(conv.name.replace('conv', 'bn')));
      assert.ok(model.getLayer(conv.name.replace('conv', 'relu')));
    }
    model.dispose();
  });

  test(`${name}: a size that is not a multiple of ${2 ** levels} is refused, naming the multiple`, () => {
    const { model } = buildPreset(name, 'small');
    assert.throws(
      () => model.predict(tf.zeros([1, 2 ** levels * 2 - 2, 2 ** levels, 1])),
      new RegExp(`must be even, got \\d+×\\d+; the model's input height and width must be multiples of ${2 ** levels}`),
    );
  });
}

test('segnet-basic: kernel size must be odd; levels set the size multiple', () => {
  assert.throws(() => buildPreset('segnet-basic', 'small', { kernelSize: 4 }), /"kernelSize" must be odd, got 4/);
  const { arch, config, model } = buildPreset('segnet-basic', 'small', { levels: 2 });
  assert.equal(arch.sizeMultiple(config), 4);
  assert.deepEqual(tf.tidy(() => (model.predict(tf.zeros([1, 12, 20, 1])) as tf.Tensor).shape), [1, 12, 20, 2]);
});
