// Elastic deformation keeps every label on the pixels it belongs to: the image's intensity encodes the class, so
// after deformation each labeled pixel's intensity must still be its label's (bilinear blends only at borders).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Patch } from '../../../src/training/augment.ts';
import { elasticDeform } from '../../../src/training/elastic.ts';
import { Rng } from '../../../src/training/rng.ts';

const SIZE = 192;
const UNLABELED_INTENSITY = -50;

/** Blocks of 24 px cycling through classes 0–2 (intensity 10·class) and unlabeled blocks (intensity −50). */
function blocks(): Patch {
  const image = new Float32Array(SIZE * SIZE);
  const mask = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const block = (Math.floor(x / 24) + 2 * Math.floor(y / 24)) % 4;
      mask[y * SIZE + x] = block === 3 ? 255 : block;
      image[y * SIZE + x] = block === 3 ? UNLABELED_INTENSITY : 10 * block;
    }
  }
  return { size: SIZE, bands: 1, image, mask, weights: Float32Array.from(mask, (v) => (v === 255 ? 0 : v + 1)) };
}

/** Whether another label (or the patch's edge, beyond which the source may lie) is within 2 px of pixel i. */
function nearBorder(mask: Uint8Array, i: number): boolean {
  const x = i % SIZE;
  const y = Math.floor(i / SIZE);
  for (let dy = -2; dy <= 2; dy++) {
    for (let dx = -2; dx <= 2; dx++) {
      const nx = x + dx;
      const ny = y + dy;
      if (nx < 0 || ny < 0 || nx >= SIZE || ny >= SIZE || mask[ny * SIZE + nx] !== mask[i]) return true;
    }
  }
  return false;
}

test('elastic deformation keeps labels aligned with their pixels, unlabeled stays unlabeled', () => {
  for (const seed of [1, 2, 3]) {
    const patch = blocks();
    const before = patch.mask.slice();
    elasticDeform(patch, 10, new Rng(seed));
    let labeled = 0;
    let exact = 0;
    let moved = 0;
    for (let i = 0; i < SIZE * SIZE; i++) {
      const label = patch.mask[i]!;
      if (label !== before[i]) moved++;
      // The weights travel with the labels: the block's weight, 0 where unlabeled.
      assert.equal(patch.weights![i], label === 255 ? 0 : label + 1, `seed ${seed}: weight at ${i}`);
      if (label === 255) continue;
      labeled++;
      const intensity = patch.image[i]!;
      if (Math.abs(intensity - 10 * label) < 1e-4) exact++;
      // Bilinear blends happen only where the source straddles a block border: a label border is near.
      else assert.ok(nearBorder(patch.mask, i), `seed ${seed}: pixel ${i} labeled ${label} has intensity ${intensity}, far from any border`);
      assert.notEqual(intensity, UNLABELED_INTENSITY, `seed ${seed}: an unlabeled pixel became labeled at ${i}`);
    }
    // With 24 px blocks about one pixel in twelve sits at a border in each direction.
    assert.ok(exact / labeled > 0.8, `seed ${seed}: only ${exact} of ${labeled} labeled pixels keep their class's intensity exactly`);
    assert.ok(moved > SIZE * SIZE * 0.05, `seed ${seed}: the deformation moved only ${moved} labels`);
  }
});

test('pixels mapped from outside the patch are unlabeled at the band mean', () => {
  // A strong deformation pulls pixels in from beyond the border somewhere along it.
  const patch = blocks();
  patch.mask.fill(1);
  patch.image.fill(10);
  elasticDeform(patch, 40, new Rng(7));
  let outside = 0;
  for (let i = 0; i < SIZE * SIZE; i++) {
    if (patch.mask[i] === 255) {
      outside++;
      assert.equal(patch.image[i], 0);
      assert.equal(patch.weights![i], 0);
    } else assert.equal(patch.image[i], 10);
  }
  assert.ok(outside > 0, 'no pixel came from outside');
});

test('strength 0 is the identity', () => {
  const patch = blocks();
  const { image, mask, weights } = blocks();
  elasticDeform(patch, 0, new Rng(1));
  assert.deepEqual(patch.image, image);
  assert.deepEqual(patch.mask, mask);
  assert.deepEqual(patch.weights, weights);
});
