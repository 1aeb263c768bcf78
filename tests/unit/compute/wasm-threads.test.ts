// The threaded wasm build runs in Node with the requested XNNPACK threads and computes what cpu computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/compute/backends.ts';
import { activeWasmThreads, wasmThreadCount } from '../../../src/compute/wasm-threads.ts';
import { assertClose } from './gradient-helpers.ts';

// Read when the wasm backend is first probed: two threads even on a one-core machine.
process.env.SEGWORK_WASM_THREADS = '2';

test('SEGWORK_WASM_THREADS is read, capped at 8, and refused when not a positive integer', () => {
  assert.equal(wasmThreadCount({ SEGWORK_WASM_THREADS: '3' }), 3);
  assert.equal(wasmThreadCount({ SEGWORK_WASM_THREADS: '64' }), 8);
  assert.ok(wasmThreadCount({}) >= 1);
  assert.throws(() => wasmThreadCount({ SEGWORK_WASM_THREADS: 'two' }), /SEGWORK_WASM_THREADS must be a positive integer/);
});

test('wasm starts 2 XNNPACK threads and a conv forward + backward matches cpu', async () => {
  await initBackend('wasm');
  assert.equal(activeWasmThreads(), 2);
  const run = (backend: string) => {
    tf.setBackend(backend);
    return tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from({ length: 2 * 24 * 24 * 8 }, (_, i) => Math.sin(i * 0.37)), [2, 24, 24, 8]);
      const w = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 8 * 16 }, (_, i) => Math.cos(i * 0.11) * 0.2), [3, 3, 8, 16]);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))))([x, w]);
      return [dx!.dataSync().slice(), dw!.dataSync().slice()] as Float32Array[];
    });
  };
  const cpu = run('cpu');
  await initBackend('wasm');
  const wasm = run('wasm');
  assertClose(wasm[0]!, cpu[0]!, 1e-4, 'input gradient');
  assertClose(wasm[1]!, cpu[1]!, 1e-4, 'filter gradient');
});
