// `segwork models`: convolution FLOPs counted by hand on small graphs, and the listing's rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { modelsCommand } from '../../../src/cli/models.ts';
import { convolutionFlops, type ModelListing } from '../../../src/models/listing.ts';
import { AtrousConv2D } from '../../../src/models/layers/atrous-conv.ts';
import { MaxPoolWithIndices, MaxUnpooling2D } from '../../../src/models/layers/pool-indices.ts';
import { architectureNames } from '../../../src/models/registry.ts';
import { useTestBackend } from './model-helpers.ts';

await useTestBackend();

test('FLOPs: plain, strided, depthwise, atrous and transposed convolutions, through multi-output layers', () => {
  const input = tf.input({ shape: [null, null, 3] });
  const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor; // 16×16×4 from 3
  const [pooled, indices] = new MaxPoolWithIndices({}).apply(a) as tf.SymbolicTensor[]; // 8×8×4
  const b = tf.layers.conv2d({ filters: 8, kernelSize: 1, strides: 2 }).apply(pooled) as tf.SymbolicTensor; // 4×4×8 from 4
  const c = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }).apply(b) as tf.SymbolicTensor; // 4×4×8, 9 each
  const d = new AtrousConv2D({ filters: 4, kernelSize: 3, rate: 2, depthwise: false, useBias: false }).apply(c) as tf.SymbolicTensor; // 4×4×4 from 8
  const e = new AtrousConv2D({ filters: 1, kernelSize: 3, rate: 3, depthwise: true, useBias: false }).apply(d) as tf.SymbolicTensor; // 4×4×4
  const f = tf.layers.conv2dTranspose({ filters: 4, kernelSize: 2, strides: 2 }).apply(e) as tf.SymbolicTensor; // 8×8×4 from 4×4×4
  const g = new MaxUnpooling2D({}).apply([f, indices]) as tf.SymbolicTensor; // 16×16×4
  const model = tf.model({ inputs: input, outputs: g });
  const expected = 2 * (16 * 16 * 4 * 9 * 3 + 4 * 4 * 8 * 1 * 4 + 4 * 4 * 8 * 9 + 4 * 4 * 4 * 9 * 8 + 4 * 4 * 4 * 9 + 4 * 4 * 4 * 4 * 4);
  assert.equal(convolutionFlops(model, 16, 16), expected);
  // Four times the pixels, four times the FLOPs.
  assert.equal(convolutionFlops(model, 32, 32), 4 * expected);
});

test('segwork models --json lists every architecture and preset with parameters and FLOPs', async () => {
  let out = '';
  const sink = new Writable({ write: (chunk, _enc, done) => ((out += chunk), done()) });
  const code = await modelsCommand.run(['--json', '--channels', '1'], { stdout: sink, stderr: sink, signal: new AbortController().signal });
  assert.equal(code, 0);
  const rows = JSON.parse(out) as ModelListing[];
  assert.deepEqual([...new Set(rows.map((r) => r.architecture))], architectureNames());
  const deeplabSmall = rows.find((r) => r.architecture === 'deeplab' && r.preset === 'small')!;
  assert.ok(deeplabSmall.parameters > 0 && deeplabSmall.flops > 0);
  const segnet = rows.find((r) => r.architecture === 'segnet' && r.preset === 'default')!;
  assert.equal(segnet.parameters, 29_487_042);
  assert.equal(segnet.sizeMultiple, 32);
  // U-Net's learnt up-convolution: the resize's weights, on the coarse grid (a quarter of the up-sampling's FLOPs).
  const unet = rows.find((r) => r.architecture === 'unet' && r.preset === 'default' && !r.variant)!;
  const transpose = rows.find((r) => r.architecture === 'unet' && r.variant === 'upsampling=transpose')!;
  assert.equal(transpose.parameters, unet.parameters);
  assert.ok(transpose.flops < unet.flops);
  // More filters cost more: every standard preset is heavier than its small one.
  for (const name of architectureNames()) {
    const flops = (preset: string) => rows.find((r) => r.architecture === name && r.preset === preset)?.flops ?? 0;
    assert.ok(flops('standard') > flops('small'), `${name}: standard ≤ small`);
  }
});
