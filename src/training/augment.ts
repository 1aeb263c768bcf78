// Augmentations on one square patch (normalised image, HWC, and its mask): geometric ones move image and mask
// together; photometric ones touch the image only.
import type { Rng } from './rng.ts';

export interface Patch {
  size: number;
  bands: number;
  image: Float32Array;
  mask: Uint8Array;
  /** Per-pixel loss weights (the separation weight map), moved with the mask; absent when not used. */
  weights?: Float32Array;
}

/** Applies one of the 8 dihedral transforms (flips and 90° rotations), in place. */
export function dihedral(patch: Patch, transform: number): void {
  if (transform === 0) return;
  const { size, bands } = patch;
  const image = new Float32Array(patch.image.length);
  const mask = new Uint8Array(patch.mask.length);
  const weights = patch.weights ? new Float32Array(patch.weights.length) : undefined;
  const flip = transform >= 4;
  const rot = transform % 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let sx = flip ? size - 1 - x : x;
      let sy = y;
      for (let r = 0; r < rot; r++) [sx, sy] = [sy, size - 1 - sx];
      const dst = y * size + x;
      const src = sy * size + sx;
      mask[dst] = patch.mask[src]!;
      if (weights) weights[dst] = patch.weights![src]!;
      for (let b = 0; b < bands; b++) image[dst * bands + b] = patch.image[src * bands + b]!;
    }
  }
  patch.image = image;
  patch.mask = mask;
  if (weights) patch.weights = weights;
}

/** Brightness/contrast jitter and Gaussian noise on the normalised image, in place. */
export function photometric(patch: Patch, rng: Rng): void {
  const contrast = 0.8 + 0.4 * rng.next();
  const brightness = (rng.next() - 0.5) * 0.4;
  const noise = rng.next() < 0.3 ? 0.05 * rng.next() : 0;
  const img = patch.image;
  for (let i = 0; i < img.length; i++) {
    img[i] = img[i]! * contrast + brightness + (noise > 0 ? noise * rng.normal() : 0);
  }
}
