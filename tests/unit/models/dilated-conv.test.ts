// Direct dilated convolutions (values and both gradients) agree with the space-to-batch path, which uses only
// tfjs's own gradients, on cpu and on wasm: odd sizes, rates 2, 3 and 6, batch > 1, full and depthwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/compute/backends.ts';
import { atrousConv2d, reachableTaps, spaceToBatchAtrousConv2d } from '../../../src/models/layers/atrous-conv.ts';
import { dilatedConv2d, dilatedDepthwiseConv2d } from '../../../src/models/layers/dilated-conv.ts';
import { assertClose, onBackend, seeded } from '../compute/gradient-helpers.ts';

await initBackend('wasm');
const TOLERANCE = 1e-4;

interface Case { x: [number, number, number, number]; kernel: [number, number, number, number]; rate: number }

const fullCases: Case[] = [
  { x: [2, 9, 7, 3], kernel: [3, 3, 3, 4], rate: 2 },
  { x: [3, 11, 10, 2], kernel: [3, 3, 2, 5], rate: 3 },
  { x: [2, 13, 9, 4], kernel: [3, 3, 4, 3], rate: 6 },
  // Rate larger than the image: the off-centre taps read only padding.
  { x: [2, 5, 6, 3], kernel: [3, 3, 3, 2], rate: 6 },
  // Even kernel: 'same' padding is uneven, so the input gradient needs the mirrored padding.
  { x: [2, 8, 9, 2], kernel: [4, 4, 2, 3], rate: 3 },
];
const depthwiseCases: Case[] = [
  { x: [2, 9, 7, 3], kernel: [3, 3, 3, 1], rate: 2 },
  { x: [3, 11, 10, 4], kernel: [3, 3, 4, 1], rate: 3 },
  { x: [2, 13, 9, 5], kernel: [3, 3, 5, 1], rate: 6 },
  { x: [2, 8, 9, 2], kernel: [4, 4, 2, 1], rate: 3 },
];

/** Output, input gradient and kernel gradient of a weighted sum of conv(x, kernel). */
function valueAndGradients(c: Case, conv: (x: tf.Tensor4D, k: tf.Tensor4D) => tf.Tensor4D): () => tf.Tensor[] {
  return () => {
    const x = seeded(c.x, 1) as tf.Tensor4D;
    const kernel = seeded(c.kernel, 2) as tf.Tensor4D;
    const y = conv(x, kernel);
    const weights = seeded(y.shape, 3);
    const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), weights));
    return [y, ...tf.grads(loss)([x, kernel])];
  };
}

for (const [depthwise, cases] of [[false, fullCases], [true, depthwiseCases]] as const) {
  const direct = depthwise ? dilatedDepthwiseConv2d : dilatedConv2d;
  for (const c of cases) {
    const name = `${depthwise ? 'depthwise' : 'full'} x ${c.x}, kernel ${c.kernel}, rate ${c.rate}`;
    test(`direct dilated conv matches space-to-batch on cpu and wasm: ${name}`, async () => {
      const expected = await onBackend('cpu', valueAndGradients(c, (x, k) => spaceToBatchAtrousConv2d(x, k, c.rate, depthwise)));
      for (const backend of ['cpu', 'wasm']) {
        const actual = await onBackend(backend, valueAndGradients(c, (x, k) => direct(x, k, c.rate)));
        ['output', 'input gradient', 'kernel gradient'].forEach((what, i) => {
          assertClose(actual[i], expected[i], TOLERANCE, `${backend}: ${what}`);
        });
      }
    });
  }
}

test('atrousConv2d drops the taps that read only padding and still matches space-to-batch on cpu and wasm', async () => {
  const cases: Array<Case & { depthwise: boolean; reachable: number[] }> = [
    { x: [2, 5, 6, 3], kernel: [3, 3, 3, 2], rate: 6, depthwise: false, reachable: [1, 1] },
    { x: [2, 5, 9, 3], kernel: [3, 3, 3, 2], rate: 6, depthwise: false, reachable: [1, 3] },
    { x: [3, 9, 4, 2], kernel: [3, 3, 2, 1], rate: 4, depthwise: true, reachable: [3, 1] },
  ];
  for (const c of cases) {
    assert.deepEqual(reachableTaps(tf.zeros(c.kernel) as tf.Tensor4D, c.rate, c.x[1], c.x[2]).shape.slice(0, 2), c.reachable);
    const expected = await onBackend('cpu', valueAndGradients(c, (x, k) => spaceToBatchAtrousConv2d(x, k, c.rate, c.depthwise)));
    for (const backend of ['cpu', 'wasm']) {
      const actual = await onBackend(backend, valueAndGradients(c, (x, k) => atrousConv2d(x, k, c.rate, c.depthwise)));
      ['output', 'input gradient', 'kernel gradient'].forEach((what, i) => {
        assertClose(actual[i], expected[i], TOLERANCE, `${backend}, x ${c.x}, rate ${c.rate}: ${what}`);
      });
    }
  }
});
