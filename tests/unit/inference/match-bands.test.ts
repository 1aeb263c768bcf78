import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../../src/api/errors.ts';
import { matchBands } from '../../../src/inference/segment-image.ts';
import { memorySource } from '../../../src/inference/tiler.ts';

const read = (data: number[], bands: number, to: number) => matchBands(memorySource(Float32Array.from(data), 2, 1, bands), to, 'a.png').readWindow(0, 0, 2, 1);

test('grey becomes RGB by copying its band, RGB becomes grey by its Rec. 601 luma; alpha is dropped', async () => {
  assert.deepEqual([...(await read([10, 200], 1, 3))], [10, 10, 10, 200, 200, 200]);
  const grey = await read([100, 0, 0, 0, 0, 100], 3, 1);
  assert.ok(Math.abs(grey[0]! - 29.9) < 1e-4 && Math.abs(grey[1]! - 11.4) < 1e-4, `luma ${[...grey]}`);
  const fromRgba = await read([0, 100, 0, 255, 10, 20, 30, 0], 4, 1);
  assert.ok(Math.abs(fromRgba[0]! - 58.7) < 1e-4, `RGBA → grey ${[...fromRgba]}`);
  assert.deepEqual([...(await read([1, 2, 3, 255, 4, 5, 6, 0], 4, 3))], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...(await read([7, 255, 8, 0], 2, 3))], [7, 7, 7, 8, 8, 8]);
});

test('other band counts are refused, naming the file', async () => {
  assert.throws(() => matchBands(memorySource(new Float32Array(10), 2, 1, 5), 3, 'multi.tif'), (e: unknown) => e instanceof InputError && /multi\.tif.*has 5 band\(s\), the model expects 3/.test(e.message));
  assert.throws(() => matchBands(memorySource(new Float32Array(6), 2, 1, 3), 4, 'rgb.png'), /has 3 band\(s\), the model expects 4/);
});
