// The threaded wasm build runs in Node with the requested XNNPACK threads and computes what cpu computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/compute/backends.ts';
import { activeWasmThreads, checkedStep, noteNativeOutput, wasmThreadCount } from '../../../src/compute/wasm-threads.ts';
import { assertClose } from './gradient-helpers.ts';

// Read when the wasm backend is first probed: two threads even on a one-core machine.
process.env.SEGWORK_THREADS = '2';

test('SEGWORK_THREADS is read, capped at 8, and refused when not a positive integer', () => {
  assert.equal(wasmThreadCount({ SEGWORK_THREADS: '3' }), 3);
  assert.equal(wasmThreadCount({ SEGWORK_THREADS: '64' }), 8);
  assert.ok(wasmThreadCount({}) >= 1);
  assert.throws(() => wasmThreadCount({ SEGWORK_THREADS: 'two' }), /SEGWORK_THREADS must be a positive integer/);
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

test('a step in which the wasm backend aborts or XNNPACK fails ends with one clear error; the next step is clean', async () => {
  await assert.rejects(
    checkedStep('training step 3', async () => { throw new Error('Aborted(). Build with -sASSERTIONS for more info.'); }),
    /wasm backend aborted during training step 3, most often because the WebAssembly heap \(4 GB at most\) is full; lower the batch size/,
  );
  await assert.rejects(checkedStep('training step 4', async () => { throw new Error('shapes do not match'); }), /^Error: shapes do not match$/);

  noteNativeOutput('loading model');
  noteNativeOutput('XNN status for xnn_create_convolution2d_nhwc_f32 is not successful. Got status 6. Use -c dbg to see XNN logs.');
  noteNativeOutput('XNN status for xnn_setup_convolution2d_nhwc_f32 is not successful. Got status 2. Use -c dbg to see XNN logs.');
  await assert.rejects(
    checkedStep('inference on 2 tile(s) of 256×256', async () => 1),
    (e: Error) => /failed during inference on 2 tile\(s\) of 256×256: the WebAssembly heap/.test(e.message) && /create_convolution2d.*status 6/.test(e.message),
  );
  assert.equal(await checkedStep('the next step', async () => 42), 42);

  noteNativeOutput('XNN status for xnn_setup_max_pooling2d_nhwc_f32 is not successful. Got status 2.');
  await assert.rejects(checkedStep('step 5', async () => 0), (e: Error) => e.message.includes('status 2') && !e.message.includes('heap'));
});

test('on wasm, the kernel during which XNNPACK reported a failure throws, frees its output, and the step names it', async () => {
  await initBackend('wasm');
  const x = tf.tensor4d(Float32Array.from({ length: 2 * 8 * 8 * 4 }, (_, i) => i % 7), [2, 8, 8, 4]);
  const w = tf.ones([3, 3, 4, 4]) as tf.Tensor4D;
  const tensorsBefore = tf.memory().numTensors;
  const bytesBefore = tf.memory().numBytes;
  const failingConv = async () => {
    // Stands in for XNNPACK's own report; a real one needs the 4 GB heap filled.
    noteNativeOutput('XNN status for xnn_create_convolution2d_nhwc_f32 is not successful. Got status 6. Use -c dbg to see XNN logs.');
    tf.tidy(() => tf.conv2d(x, w, 1, 'same'));
  };
  await assert.rejects(checkedStep('training step 7', failingConv), /failed during training step 7, in the (Fused)?Conv2D kernel: the WebAssembly heap \(4 GB at most\) is full/);
  assert.equal(tf.memory().numTensors, tensorsBefore);
  assert.equal(tf.memory().numBytes, bytesBefore);
  const y = tf.conv2d(x, w, 1, 'same');
  assert.equal(y.dataSync()[0], tf.sum(tf.slice(x, [0, 0, 0, 0], [1, 2, 2, 4])).dataSync()[0], 'the next conv computes again');
  tf.dispose([x, w, y]);
});
