// U-Net's separation weight map (Ronneberger et al. 2015, eq. 2): w(x) = w_c(x) + w0 · exp(−(d1(x) + d2(x))² / 2σ²),
// d1 and d2 the distances to the nearest and second-nearest object (4-connected region) of the foreground class,
// w_c the class weight of the pixel's label. Thin gaps between touching objects get large weights, so the loss
// makes the network separate them. Unlabeled pixels weigh 0, so scribbles train as before.
import { UNLABELED } from '../api/types.ts';
import { distanceToSet } from '../labels/distance-transform.ts';

export interface WeightMapOptions {
  /** The class whose objects are to be kept apart (membranes: the cells). */
  foregroundClass: number;
  /** Border weight w0 (the paper: 10). */
  w0: number;
  /** Border width σ in pixels (the paper: ≈ 5). */
  sigma: number;
}

export const WEIGHT_MAP_DEFAULTS = { w0: 10, sigma: 5 } as const;
/** The valid ranges, [min, max]: what the CLI and the API refuse outside of. */
export const WEIGHT_MAP_RANGES = { w0: [0, 1000], sigma: [0.1, 100] } as const;

/** What is wrong with foreground class `c` for `numClasses` classes, or undefined. */
export function foregroundClassProblem(c: number, numClasses: number): string | undefined {
  return Number.isInteger(c) && c >= 0 && c < numClasses ? undefined : `the weight map's foreground class must be a class index in [0, ${numClasses - 1}], got ${c}`;
}

export interface WeightMap {
  /** Per-pixel loss weight, 0 where unlabeled. */
  weights: Float32Array;
  /** Objects of the foreground class found; 0 means the map is the class weights alone. */
  objects: number;
}

/** Below this, the border term is dropped: it bounds how far from each object distances are computed. */
const NEGLIGIBLE = 1e-3;

export function separationWeightMap(mask: Uint8Array, width: number, height: number, options: WeightMapOptions, classWeights: number[]): WeightMap {
  const weights = new Float32Array(width * height);
  for (let i = 0; i < mask.length; i++) if (mask[i] !== UNLABELED) weights[i] = classWeights[mask[i]!] ?? 1;
  const { labels, count } = objectsOf(mask, width, height, options.foregroundClass);
  if (count < 2 || options.w0 <= 0) return { weights, objects: count };
  // Only pixels with d2 under the reach get a border weight above NEGLIGIBLE (d1 ≤ d2, so d1 + d2 ≤ 2·d2).
  const reach = options.sigma * Math.sqrt(2 * Math.log(options.w0 / NEGLIGIBLE));
  const margin = Math.ceil(reach);
  const d1 = new Float32Array(width * height).fill(Infinity);
  const d2 = new Float32Array(width * height).fill(Infinity);
  for (const box of boundingBoxes(labels, width, height, count)) {
    const x0 = Math.max(0, box.x0 - margin);
    const y0 = Math.max(0, box.y0 - margin);
    const w = Math.min(width, box.x1 + margin + 1) - x0;
    const h = Math.min(height, box.y1 + margin + 1) - y0;
    const set = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) set[y * w + x] = labels[(y0 + y) * width + x0 + x] === box.label ? 1 : 0;
    // Exact within the crop: the whole object lies inside it.
    const distance = distanceToSet(set, w, h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const d = distance[y * w + x]!;
        if (d > reach) continue;
        const i = (y0 + y) * width + x0 + x;
        if (d < d1[i]!) {
          d2[i] = d1[i]!;
          d1[i] = d;
        } else if (d < d2[i]!) d2[i] = d;
      }
    }
  }
  const twoSigmaSq = 2 * options.sigma * options.sigma;
  for (let i = 0; i < weights.length; i++) {
    if (mask[i] === UNLABELED || d2[i] === Infinity) continue;
    const s = d1[i]! + d2[i]!;
    weights[i]! += options.w0 * Math.exp((-s * s) / twoSigmaSq);
  }
  return { weights, objects: count };
}

/** 4-connected regions of `cls`, numbered from 1 (0: not that class). */
function objectsOf(mask: Uint8Array, width: number, height: number, cls: number): { labels: Int32Array; count: number } {
  const labels = new Int32Array(width * height);
  const stack: number[] = [];
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] !== cls || labels[start] !== 0) continue;
    labels[start] = ++count;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width;
      const visit = (j: number) => {
        if (mask[j] === cls && labels[j] === 0) {
          labels[j] = count;
          stack.push(j);
        }
      };
      if (x > 0) visit(i - 1);
      if (x < width - 1) visit(i + 1);
      if (i >= width) visit(i - width);
      if (i < width * (height - 1)) visit(i + width);
    }
  }
  return { labels, count };
}

function boundingBoxes(labels: Int32Array, width: number, height: number, count: number): { label: number; x0: number; y0: number; x1: number; y1: number }[] {
  const boxes = Array.from({ length: count }, (_, k) => ({ label: k + 1, x0: width, y0: height, x1: -1, y1: -1 }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const label = labels[y * width + x]!;
      if (label === 0) continue;
      const box = boxes[label - 1]!;
      if (x < box.x0) box.x0 = x;
      if (x > box.x1) box.x1 = x;
      if (y < box.y0) box.y0 = y;
      if (y > box.y1) box.y1 = y;
    }
  }
  return boxes;
}
