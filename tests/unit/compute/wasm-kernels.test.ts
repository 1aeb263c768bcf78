// Each kernel Segwork adds to wasm gives the same gradients as the cpu backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/compute/backends.ts';
import { assertClose, onBackend, seeded } from './gradient-helpers.ts';

await initBackend('wasm');
const TOLERANCE = 1e-4;

type Padding = 'same' | 'valid';
interface ConvCase { x: number[]; filter: number[]; stride: number | [number, number]; pad: Padding }

const convCases: ConvCase[] = [
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], stride: 1, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'same' },
  { x: [3, 11, 7, 2], filter: [3, 3, 2, 5], stride: 1, pad: 'valid' },
  { x: [2, 11, 8, 2], filter: [3, 2, 2, 3], stride: 2, pad: 'valid' },
  { x: [2, 10, 10, 2], filter: [4, 4, 2, 3], stride: 2, pad: 'same' },
  { x: [2, 9, 10, 3], filter: [1, 1, 3, 2], stride: 2, pad: 'valid' },
  { x: [1, 9, 11, 2], filter: [3, 3, 2, 3], stride: [2, 3], pad: 'same' },
];

for (const c of convCases) {
  test(`conv2d gradients on wasm match cpu: x ${c.x}, filter ${c.filter}, stride ${c.stride}, ${c.pad}`, async () => {
    const gradients = () => {
      const x = seeded(c.x, 1);
      const filter = seeded(c.filter, 2);
      const weights = seeded(tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.stride, c.pad).shape, 3);
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), weights));
      return tf.grads(loss)([x, filter]);
    };
    const [dxCpu, dwCpu] = await onBackend('cpu', gradients);
    const [dxWasm, dwWasm] = await onBackend('wasm', gradients);
    assertClose(dxWasm, dxCpu, TOLERANCE, 'input gradient (Conv2DBackpropInput)');
    assertClose(dwWasm, dwCpu, TOLERANCE, 'filter gradient (Conv2DBackpropFilter)');
  });
}

test('conv2d gradients on wasm match cpu in NCHW layout', async () => {
  const run = () => {
    const x = seeded([2, 3, 8, 7], 4);
    const dy = seeded([2, 4, 4, 4], 5);
    return [
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] }) as tf.Tensor,
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: seeded([3, 3, 3, 4], 6) }, { strides: 2, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 8, 7] }) as tf.Tensor,
    ];
  };
  const [dwCpu, dxCpu] = await onBackend('cpu', run);
  const [dwWasm, dxWasm] = await onBackend('wasm', run);
  assertClose(dwWasm, dwCpu, TOLERANCE, 'filter gradient');
  assertClose(dxWasm, dxCpu, TOLERANCE, 'input gradient');
});

const depthwiseCases: ConvCase[] = [
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 1], stride: 1, pad: 'same' },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 2], stride: 2, pad: 'same' },
  { x: [3, 11, 7, 2], filter: [3, 2, 2, 3], stride: 2, pad: 'valid' },
  { x: [2, 8, 9, 4], filter: [3, 3, 4, 1], stride: 1, pad: 'valid' },
];

for (const c of depthwiseCases) {
  test(`depthwise conv gradients on wasm match cpu: x ${c.x}, filter ${c.filter}, stride ${c.stride}, ${c.pad}`, async () => {
    const gradients = () => {
      const x = seeded(c.x, 7);
      const filter = seeded(c.filter, 8);
      const weights = seeded(tf.depthwiseConv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.stride, c.pad).shape, 9);
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), weights));
      return tf.grads(loss)([x, filter]);
    };
    const [dxCpu, dwCpu] = await onBackend('cpu', gradients);
    const [dxWasm, dwWasm] = await onBackend('wasm', gradients);
    assertClose(dxWasm, dxCpu, TOLERANCE, 'input gradient (DepthwiseConv2dNativeBackpropInput)');
    assertClose(dwWasm, dwCpu, TOLERANCE, 'filter gradient (DepthwiseConv2dNativeBackpropFilter)');
  });
}

/** Inserts dilation-1 zeros between filter taps, so an undilated op computes the dilated one. */
function zeroInsertTaps(filter: tf.Tensor, dilation: number): tf.Tensor {
  const [kh, kw, c, m] = filter.shape;
  const spread = tf.pad(filter.reshape([kh, 1, kw, 1, c, m]), [[0, 0], [0, dilation - 1], [0, 0], [0, dilation - 1], [0, 0], [0, 0]]);
  return spread.reshape([kh * dilation, kw * dilation, c, m]).slice([0, 0, 0, 0], [(kh - 1) * dilation + 1, (kw - 1) * dilation + 1, c, m]);
}

// tfjs refuses gradients of dilated depthwise convolutions and its cpu backprop kernels give wrong
// values with dilation > 1, so the reference is the cpu gradient of the equivalent zero-inserted filter.
for (const c of [
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 1], pad: 'same' as Padding },
  { x: [1, 11, 10, 2], filter: [3, 3, 2, 2], pad: 'valid' as Padding },
]) {
  test(`dilation-2 depthwise kernels on wasm match the cpu gradient of the zero-inserted filter: x ${c.x}, ${c.pad}`, async () => {
    const x = () => seeded(c.x, 10);
    const filter = () => seeded(c.filter, 11);
    const dy = () => seeded(tf.depthwiseConv2d(x() as tf.Tensor4D, filter() as tf.Tensor4D, 1, c.pad, 'NHWC', 2).shape, 12);
    const [dxRef, dwSpread] = await onBackend('cpu', () => {
      const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, c.pad), dy()));
      const [dx, dw] = tf.grads(loss)([x(), zeroInsertTaps(filter(), 2)]);
      return [dx, tf.stridedSlice(dw, [0, 0, 0, 0], dw.shape, [2, 2, 1, 1])];
    });
    const [dxWasm, dwWasm] = await onBackend('wasm', () => [
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dy(), filter: filter() }, { strides: 1, dilations: 2, pad: c.pad, inputShape: c.x }) as tf.Tensor,
      tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x: x(), dy: dy() }, { strides: 1, dilations: 2, pad: c.pad, filterShape: c.filter }) as tf.Tensor,
    ]);
    assertClose(dxWasm, dxRef, TOLERANCE, 'input gradient');
    assertClose(dwWasm, dwSpread, TOLERANCE, 'filter gradient');
  });
}

test('gather gradient (UnsortedSegmentSum) on wasm matches cpu, including repeated indices', async () => {
  const gradient = () => [tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, [0, 2, 2, 3], 1), seeded([3, 4, 2], 14))))(seeded([3, 5, 2], 13))];
  const [cpu] = await onBackend('cpu', gradient);
  const [wasm] = await onBackend('wasm', gradient);
  assertClose(wasm, cpu, TOLERANCE, 'gather gradient');
});

test('the wasm kernels free their intermediates', async () => {
  await tf.setBackend('wasm');
  const x = seeded([2, 9, 9, 3], 15) as tf.Tensor4D;
  const filter = seeded([3, 3, 3, 2], 16) as tf.Tensor4D;
  const backend = tf.backend();
  const before = backend.numDataIds();
  for (let i = 0; i < 3; i++) {
    tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, filter]));
    tf.dispose(tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, filter]));
  }
  assert.equal(backend.numDataIds(), before, 'buffers left on the wasm backend');
});
