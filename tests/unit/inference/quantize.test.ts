import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dequantizeFloat16,
  dequantizeUint8,
  fromFloat16Bits,
  quantizeFloat16,
  quantizeUint8,
  toFloat16Bits,
} from '../../../src/inference/quantize.ts';

function randomProbs(pixels: number, k: number, seed: number): Float32Array {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const out = new Float32Array(pixels * k);
  for (let i = 0; i < pixels; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[i * k + c] = rand();
    for (let c = 0; c < k; c++) out[i * k + c] /= sum;
  }
  return out;
}

test('uint8 planes are class-major and round-trip within half a step', () => {
  const probs = new Float32Array([0, 1, 0.5, 0.5, 1, 0]); // 3 pixels, 2 classes
  const q = quantizeUint8(probs, 2);
  assert.deepEqual([...q], [0, 128, 255, 255, 128, 0]);
  const many = randomProbs(1000, 4, 7);
  const back = dequantizeUint8(quantizeUint8(many, 4), 4);
  let worst = 0;
  for (let i = 0; i < many.length; i++) worst = Math.max(worst, Math.abs(back[i] - many[i]));
  assert.ok(worst <= 0.5 / 255 + 1e-7, `worst error ${worst}`);
});

test('uint8 clamps out-of-range values and maps NaN to 0', () => {
  assert.deepEqual([...quantizeUint8(new Float32Array([-0.2, 1.3, NaN, 0.5]), 1)], [0, 255, 0, 128]);
});

test('float16 bits match known encodings, including rounding, subnormals and infinities', () => {
  assert.equal(toFloat16Bits(1), 0x3c00);
  assert.equal(toFloat16Bits(0.5), 0x3800);
  assert.equal(toFloat16Bits(-2), 0xc000);
  assert.equal(toFloat16Bits(65504), 0x7bff);
  assert.equal(toFloat16Bits(1e6), 0x7c00);
  assert.equal(toFloat16Bits(2 ** -24), 0x0001); // smallest subnormal
  assert.equal(toFloat16Bits(2 ** -26), 0); // below half the smallest subnormal
  assert.equal(toFloat16Bits(1 + 2 ** -11), 0x3c00); // tie rounds to even
  assert.equal(toFloat16Bits(1 + 3 * 2 ** -11), 0x3c02); // tie rounds to even (up)
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  for (const v of [0, 1, 0.1, 1 / 3, 0.999, 2 ** -20, 6e-5]) {
    const back = fromFloat16Bits(toFloat16Bits(v));
    assert.ok(Math.abs(back - v) <= Math.max(Math.abs(v) * 2 ** -11, 2 ** -25), `${v} → ${back}`);
  }
});

test('float16 planes round-trip probabilities within 2^-11 relative error', () => {
  const probs = randomProbs(500, 3, 11);
  const planes = quantizeFloat16(probs, 3);
  assert.equal(planes.length, probs.length);
  assert.equal(planes[500], toFloat16Bits(probs[1])); // pixel 0 of class 1 starts the second plane
  const back = dequantizeFloat16(planes, 3);
  for (let i = 0; i < probs.length; i++) assert.ok(Math.abs(back[i] - probs[i]) <= probs[i] * 2 ** -11 + 1e-8);
});

test('a length that is not a whole number of pixels is refused', () => {
  assert.throws(() => quantizeUint8(new Float32Array(5), 2), /not a whole number/);
});
