// Shared helpers for the compute tests: run the same computation on two backends and compare.
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';

/** Runs `compute` with `backend` active and returns plain arrays (so nothing stays on that backend). */
export async function onBackend(backend: string, compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  assert.ok(await tf.setBackend(backend), `backend ${backend} did not initialise`);
  return tf.tidy(() => compute()).map((t) => {
    const values = t.dataSync() as Float32Array;
    t.dispose();
    return Float32Array.from(values);
  });
}

/** Asserts max |a - b| / (1 + |a|) <= tolerance over every element. */
export function assertClose(actual: Float32Array, expected: Float32Array, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  }
  assert.ok(worst <= tolerance, `${what}: max relative difference ${worst.toExponential(2)} > ${tolerance}`);
}

/** A deterministic tensor with values in [-1, 1). */
export function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}
