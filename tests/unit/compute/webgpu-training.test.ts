// One training step of the tiny net on WebGPU matches cpu (skipped without a WebGPU adapter).
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import { initBackend, probeBackends } from '../../../src/compute/backends.ts';
import { assertClose } from './gradient-helpers.ts';
import { initialWeights, trainTinyNet } from './tiny-net.ts';

// On machines without a GPU driver, Chromium's SwiftShader Vulkan driver gives Dawn a (software) adapter.
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (process.env.VK_ICD_FILENAMES == null && existsSync(swiftshader)) process.env.VK_ICD_FILENAMES = swiftshader;

test('one training step on webgpu gives the same weights as on cpu', async (t) => {
  const webgpu = (await probeBackends()).find((b) => b.name === 'webgpu');
  if (!webgpu?.available) {
    t.skip(`webgpu unavailable: ${webgpu?.reason}`);
    return;
  }
  await initBackend('webgpu'); // loads Dawn in this process and registers the backend
  const { values, shapes } = await initialWeights();
  const cpu = await trainTinyNet('cpu', values, shapes, 1);
  const gpu = await trainTinyNet('webgpu', values, shapes, 1);
  assertClose(Float32Array.of(gpu.losses[0]), Float32Array.of(cpu.losses[0]), 1e-4, 'loss');
  gpu.weights.forEach((w, i) => assertClose(w, cpu.weights[i], 1e-4, `weight ${i} after one step`));
});
