// DeepLab v3+ structure: ASPP rates per output stride, separable option, backbones, odd sizes, decoder fusion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { AtrousConv2D } from '../../../src/models/layers/atrous-conv.ts';
import { asppRates } from '../../../src/models/deeplab.ts';
import { BASE, buildPreset, saveToMemory, useTestBackend } from './model-helpers.ts';

await useTestBackend();

function atrousLayers(model: tf.LayersModel, pattern: RegExp): AtrousConv2D[] {
  return model.layers.filter((l) => pattern.test(l.name)) as AtrousConv2D[];
}

function outputSizeOf(model: tf.LayersModel, layerName: string, input: tf.Tensor): number[] {
  const probe = tf.model({ inputs: model.inputs, outputs: model.getLayer(layerName).output as tf.SymbolicTensor });
  return tf.tidy(() => (probe.predict(input) as tf.Tensor).shape);
}

test('ASPP branches have rates 6/12/18 at output stride 16 and 12/24/36 at 8, and survive save/load', async () => {
  assert.deepEqual(asppRates(16), [6, 12, 18]);
  assert.deepEqual(asppRates(8), [12, 24, 36]);
  for (const outputStride of [16, 8]) {
    const { model } = buildPreset('deeplab', 'small', { outputStride });
    const branches = atrousLayers(model, /^aspp_atrous\d$/);
    assert.deepEqual(branches.map((l) => [l.name, l.rate, l.kernelSize, l.depthwise]), [
      ['aspp_atrous1', asppRates(outputStride)[0], 3, false],
      ['aspp_atrous2', asppRates(outputStride)[1], 3, false],
      ['aspp_atrous3', asppRates(outputStride)[2], 3, false],
    ]);
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(model)));
    assert.deepEqual(atrousLayers(reloaded, /^aspp_atrous\d$/).map((l) => l.rate), asppRates(outputStride));
    // Five branches into the projection: 1×1, three atrous, image pooling.
    assert.equal((model.getLayer('aspp_concat').input as tf.SymbolicTensor[]).length, 5);
  }
});

test('output stride 16 vs 8: feature size of the deepest stage, dilated last stages instead of down-sampling', () => {
  const x = tf.zeros([1, 64, 96, 1]);
  for (const [outputStride, stage3Rate, stage4Rate] of [[16, 1, 2], [8, 2, 4]]) {
    const { model } = buildPreset('deeplab', 'small', { outputStride });
    assert.deepEqual(outputSizeOf(model, 's4_b1_out', x), [1, 64 / outputStride, 96 / outputStride, 64]);
    assert.deepEqual(outputSizeOf(model, 's1_b1_out', x), [1, 16, 24, 8], 'low-level features at stride 4');
    const rate = (name: string) => (model.layers.find((l) => l.name === name) as AtrousConv2D | undefined)?.rate ?? 1;
    assert.equal(rate('s3_b1_conv2'), stage3Rate);
    assert.equal(rate('s4_b1_conv1'), stage4Rate);
    assert.deepEqual(tf.tidy(() => (model.predict(x) as tf.Tensor).shape), [1, 64, 96, BASE.numClasses]);
    model.dispose();
  }
});

test('separable: ASPP and decoder 3×3 convs become depthwise atrous + pointwise, with the same rates', () => {
  const { model } = buildPreset('deeplab', 'small', { separable: true });
  const depthwise = atrousLayers(model, /^aspp_atrous\d_depthwise$/);
  assert.deepEqual(depthwise.map((l) => [l.rate, l.depthwise]), asppRates(16).map((r) => [r, true]));
  for (const name of ['aspp_atrous1_pointwise', 'decoder_fuse1_depthwise', 'decoder_fuse2_pointwise']) assert.ok(model.getLayer(name));
  const plain = buildPreset('deeplab', 'small').model;
  assert.ok(model.countParams() < plain.countParams(), 'separable convs should have fewer parameters');
  assert.deepEqual(tf.tidy(() => (model.predict(tf.zeros([1, 32, 32, 1])) as tf.Tensor).shape), [1, 32, 32, 2]);
});

test('MobileNetV2 backbone: inverted residuals with atrous depthwise convs, same output contract', () => {
  const { model } = buildPreset('deeplab', 'small', { backbone: 'mobilenetv2' });
  assert.ok(model.getLayer('s2_b1_expand'));
  assert.equal((model.getLayer('s4_b1_depthwise') as AtrousConv2D).rate, 2);
  assert.equal((model.getLayer('s4_b1_depthwise') as AtrousConv2D).depthwise, true);
  assert.deepEqual(tf.tidy(() => (model.predict(tf.zeros([2, 48, 32, 1])) as tf.Tensor).shape), [2, 48, 32, 2]);
});

test('decoder fuses ASPP up-sampled to the low-level features with a 48-channel reduction (standard preset)', () => {
  const { model } = buildPreset('deeplab', 'standard');
  const x = tf.zeros([1, 64, 64, 1]);
  assert.deepEqual(outputSizeOf(model, 'decoder_lowlevel_relu', x), [1, 16, 16, 48]);
  assert.deepEqual(outputSizeOf(model, 'decoder_upsample', x), [1, 16, 16, 256]);
  assert.deepEqual(outputSizeOf(model, 'decoder_concat', x), [1, 16, 16, 256 + 48]);
  model.dispose();
});

test('odd sizes are handled: output size equals input size', () => {
  const { model } = buildPreset('deeplab', 'small');
  assert.deepEqual(tf.tidy(() => (model.predict(tf.zeros([1, 37, 50, 1])) as tf.Tensor).shape), [1, 37, 50, 2]);
});

test('bad configs name the field', () => {
  assert.throws(() => buildPreset('deeplab', 'small', { outputStride: 4 }), /"outputStride"/);
  assert.throws(() => buildPreset('deeplab', 'small', { outputStride: 12 }), /"outputStride" must be 8 or 16/);
  assert.throws(() => buildPreset('deeplab', 'small', { backbone: 'vgg' }), /"backbone" must be one of resnet, mobilenetv2/);
  assert.throws(() => buildPreset('deeplab', 'huge'), /no preset "huge": choose one of small, standard/);
});
