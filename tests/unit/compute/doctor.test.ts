// doctor reports every backend; initBackend honours a forced choice and rejects unknown names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_NAMES, chooseEngine, doctor, initBackend } from '../../../src/compute/backends.ts';

test('doctor reports all four backends and chooses an available one', async () => {
  const report = await doctor();
  assert.deepEqual(report.backends.map((b) => b.name), ['tensorflow', 'webgpu', 'wasm', 'cpu']);
  for (const backend of report.backends) assert.ok(backend.reason.length > 0, `${backend.name} has no reason`);
  const chosen = report.backends.find((b) => b.name === report.chosen);
  assert.ok(chosen?.available, `chose ${report.chosen}, which is not available`);
  assert.equal(report.node, process.version);
  assert.ok(report.backends.find((b) => b.name === 'cpu')?.available);
});

test('forcing cpu activates cpu, and a second call is a no-op', async () => {
  assert.equal(await initBackend('cpu'), 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(await initBackend('cpu'), 'cpu');
  assert.equal(tf.sum(tf.tensor1d([1, 2, 3])).dataSync()[0], 6);
});

test('forcing an unknown backend throws and lists the valid ones', async () => {
  await assert.rejects(initBackend('cuda'), (error: Error) => {
    assert.match(error.message, /Unknown backend 'cuda'/);
    for (const name of BACKEND_NAMES) assert.ok(error.message.includes(name), `missing ${name} in: ${error.message}`);
    return true;
  });
});

test('forcing an unavailable backend throws with the reason', async (t) => {
  const report = await doctor();
  const missing = report.backends.find((b) => !b.available);
  if (missing == null) {
    t.skip('every backend is available here');
    return;
  }
  await assert.rejects(initBackend(missing.name), (error: Error) => error.message.includes(missing.reason));
});

test('SEGWORK_BACKEND picks the backend when nothing is forced', async () => {
  process.env.SEGWORK_BACKEND = 'cpu';
  try {
    assert.equal(await initBackend(), 'cpu');
  } finally {
    delete process.env.SEGWORK_BACKEND;
  }
});

test('doctor lists ONNX Runtime\'s providers, each verified by starting a session, and training and forward passes run on it', async () => {
  const report = await doctor();
  assert.ok(report.onnxruntime.available, report.onnxruntime.reason);
  assert.deepEqual(report.onnxruntime.providers.map((p) => p.name), ['cuda', 'dml', 'coreml', 'webgpu', 'cpu']);
  assert.ok(report.onnxruntime.providers.find((p) => p.name === 'cpu')?.available, 'the bundled CPU provider starts a session');
  for (const provider of report.onnxruntime.providers) assert.ok(provider.reason.length > 0, `${provider.name} has no reason`);
  assert.match(report.engine, /^onnxruntime \((cpu|cuda|dml|coreml)\)$/);
});

test('--backend picks the engine of forward passes: onnxruntime names force it (and a provider), a tfjs name forces tfjs', async () => {
  assert.deepEqual(await chooseEngine('onnxruntime'), { kind: 'onnxruntime' });
  assert.deepEqual(await chooseEngine('onnxruntime-cpu'), { kind: 'onnxruntime', provider: 'cpu' });
  assert.deepEqual(await chooseEngine('wasm'), { kind: 'tfjs' });
  // ONNX Runtime runs the forward passes; the tfjs work beside them still gets a tfjs backend.
  assert.ok(BACKEND_NAMES.includes(await initBackend('onnxruntime')));
  await assert.rejects(chooseEngine('onnx'), /Unknown backend 'onnx'.*onnxruntime-cuda/);
});
