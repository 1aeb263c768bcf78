// The tiny conv net trains on wasm (with Segwork's kernels) exactly as it does on cpu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../src/compute/backends.ts';
import { assertClose } from './gradient-helpers.ts';
import { initialWeights, trainTinyNet } from './tiny-net.ts';

await initBackend('wasm');

test('one training step on wasm gives the same weights as on cpu', async () => {
  const { values, shapes } = await initialWeights();
  const cpu = await trainTinyNet('cpu', values, shapes, 1);
  const wasm = await trainTinyNet('wasm', values, shapes, 1);
  assertClose(Float32Array.of(wasm.losses[0]), Float32Array.of(cpu.losses[0]), 1e-4, 'loss');
  wasm.weights.forEach((w, i) => assertClose(w, cpu.weights[i], 1e-4, `weight ${i} after one step`));
  assert.ok(wasm.weights.some((w, i) => w.some((v, j) => v !== values[i][j])), 'the step changed no weight');
});

test('the loss goes down over training steps on wasm', async () => {
  const { values, shapes } = await initialWeights();
  const { losses } = await trainTinyNet('wasm', values, shapes, 40);
  assert.ok(losses.every(Number.isFinite), `non-finite loss: ${losses}`);
  assert.ok(losses[losses.length - 1] < 0.7 * losses[0], `loss did not fall: ${losses[0]} → ${losses[losses.length - 1]}`);
});
