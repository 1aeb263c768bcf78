// U-Net's decoder up-sampling beyond the conformance suite: the config accepts the three modes and refuses others
// naming them, and the mode reaches the built model: the paper's learnt 2×2 up-convolution of stride 2 (no resize
// layer), or a resize then a 2×2 conv; either way the channels halve and the weight count is the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { getArchitecture } from '../../../src/models/registry.ts';
import type { UNetConfig } from '../../../src/models/unet.ts';
import { buildPreset, useTestBackend } from './model-helpers.ts';

await useTestBackend();

test('the up-sampling defaults to nearest, takes nearest, bilinear or transpose, and refuses others naming them', () => {
  assert.equal(buildPreset('unet', 'tiny').config.upsampling, 'nearest');
  assert.deepEqual(getArchitecture('unet').choices?.upsampling, ['nearest', 'bilinear', 'transpose']);
  assert.throws(() => buildPreset('unet', 'tiny', { upsampling: 'cubic' }), /"upsampling" must be one of nearest, bilinear, transpose, got "cubic"/);
  assert.throws(() => buildPreset('unet', 'tiny', { upsampling: 2 }), /"upsampling" must be one of nearest, bilinear, transpose, got 2/);
  // Not dropped without a word where the architecture has no such setting.
  assert.throws(() => buildPreset('fcn-8s', 'small', { upsampling: 'transpose' }), /model "fcn-8s" has no setting "upsampling": its settings are baseFilters, fcFilters, dropout, batchNorm/);
});

test('transpose builds a 2×2 stride-2 transposed conv per level that halves the channels, with no resize layer', () => {
  const { config: resolved, model } = buildPreset('unet', 'small', { upsampling: 'transpose' });
  const config = resolved as unknown as UNetConfig;
  assert.equal(model.layers.filter((l) => l.name.endsWith('_up')).length, 0);
  for (let level = config.depth; level >= 1; level--) {
    const layer = model.getLayer(`dec${level}_upconv`);
    assert.equal(layer.getClassName(), 'Conv2DTranspose');
    const { kernelSize, strides, filters } = layer.getConfig() as { kernelSize: number[]; strides: number[]; filters: number };
    assert.deepEqual([kernelSize, strides], [[2, 2], [2, 2]]);
    assert.equal(filters, (layer.input as tf.SymbolicTensor).shape[3]! / 2, `dec${level}: channels halve`);
  }
  const y = tf.tidy(() => (model.getLayer('dec1_upconv').apply(tf.ones([1, 3, 5, config.baseFilters * 2])) as tf.Tensor).shape);
  assert.deepEqual(y, [1, 6, 10, config.baseFilters]);
  model.dispose();
});

test('nearest and bilinear resize then convolve 2×2; all three modes have the same weight count', () => {
  const counts = new Set<number>();
  for (const upsampling of ['nearest', 'bilinear', 'transpose']) {
    const { model } = buildPreset('unet', 'small', { upsampling });
    if (upsampling !== 'transpose') {
      assert.equal(model.getLayer('dec1_up').getConfig().interpolation, upsampling);
      assert.equal(model.getLayer('dec1_upconv').getClassName(), 'Conv2D');
    }
    counts.add(model.countParams());
    model.dispose();
  }
  assert.equal(counts.size, 1);
});
