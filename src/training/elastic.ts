// Elastic deformation, U-Net's augmentation (Ronneberger et al. 2015): random displacements on a coarse 3×3 grid,
// Gaussian with σ pixels, interpolated bicubically to every pixel; the image is resampled bilinearly, the labels
// (and the per-pixel loss weights) by nearest neighbour, so a label stays on the pixels it was painted on.
// Pixels mapped from outside the patch become unlabeled (weight 0, image at the band mean).
import { UNLABELED } from '../api/types.ts';
import type { Patch } from './augment.ts';
import type { Rng } from './rng.ts';

/** The valid displacement σ in pixels, [min, max]. */
export const ELASTIC_SIGMA_RANGE = [0, 100] as const;

/** The paper's coarse grid: 3×3 control points over the patch. */
const GRID = 3;

/** Deforms the patch in place with displacements of standard deviation `sigma` pixels; 0 leaves it as it is. */
export function elasticDeform(patch: Patch, sigma: number, rng: Rng): void {
  if (sigma <= 0) return;
  const controlX = Float64Array.from({ length: GRID * GRID }, () => sigma * rng.normal());
  const controlY = Float64Array.from({ length: GRID * GRID }, () => sigma * rng.normal());
  const { size, bands } = patch;
  const dx = denseField(controlX, size);
  const dy = denseField(controlY, size);
  const image = new Float32Array(patch.image.length);
  const mask = new Uint8Array(patch.mask.length).fill(UNLABELED);
  const weights = patch.weights ? new Float32Array(patch.weights.length) : undefined;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dst = y * size + x;
      const sx = x + dx[dst]!;
      const sy = y + dy[dst]!;
      const nx = Math.round(sx);
      const ny = Math.round(sy);
      if (nx < 0 || ny < 0 || nx >= size || ny >= size) continue;
      mask[dst] = patch.mask[ny * size + nx]!;
      if (weights) weights[dst] = patch.weights![ny * size + nx]!;
      bilinear(patch.image, size, bands, sx, sy, image, dst * bands);
    }
  }
  patch.image = image;
  patch.mask = mask;
  if (weights) patch.weights = weights;
}

/** The control points (GRID×GRID, spanning the patch corner to corner) interpolated to size×size, bicubically. */
function denseField(control: Float64Array, size: number): Float32Array {
  const field = new Float32Array(size * size);
  const scale = size > 1 ? (GRID - 1) / (size - 1) : 0;
  const at = (gx: number, gy: number) => control[clamp(gy, GRID - 1) * GRID + clamp(gx, GRID - 1)]!;
  for (let y = 0; y < size; y++) {
    const gy = y * scale;
    const iy = Math.min(Math.floor(gy), GRID - 2);
    const ty = gy - iy;
    for (let x = 0; x < size; x++) {
      const gx = x * scale;
      const ix = Math.min(Math.floor(gx), GRID - 2);
      const tx = gx - ix;
      const rows = [-1, 0, 1, 2].map((r) => cubic(at(ix - 1, iy + r), at(ix, iy + r), at(ix + 1, iy + r), at(ix + 2, iy + r), tx));
      field[y * size + x] = cubic(rows[0]!, rows[1]!, rows[2]!, rows[3]!, ty);
    }
  }
  return field;
}

/** Catmull–Rom: the cubic through p1 (t = 0) and p2 (t = 1) with tangents from their neighbours. */
function cubic(p0: number, p1: number, p2: number, p3: number, t: number): number {
  return p1 + 0.5 * t * (p2 - p0 + t * (2 * p0 - 5 * p1 + 4 * p2 - p3 + t * (3 * (p1 - p2) + p3 - p0)));
}

const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);

/** Bilinear sample of an HWC image at (sx, sy), neighbours clamped to the patch, written at out[offset…]. */
function bilinear(src: Float32Array, size: number, bands: number, sx: number, sy: number, out: Float32Array, offset: number): void {
  const fx = clamp(sx, size - 1);
  const fy = clamp(sy, size - 1);
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, size - 1);
  const y1 = Math.min(y0 + 1, size - 1);
  const ax = fx - x0;
  const ay = fy - y0;
  for (let b = 0; b < bands; b++) {
    const v00 = src[(y0 * size + x0) * bands + b]!;
    const v01 = src[(y0 * size + x1) * bands + b]!;
    const v10 = src[(y1 * size + x0) * bands + b]!;
    const v11 = src[(y1 * size + x1) * bands + b]!;
    out[offset + b] = (v00 * (1 - ax) + v01 * ax) * (1 - ay) + (v10 * (1 - ax) + v11 * ax) * ay;
  }
}
