// Fully connected CRF refinement (Krähenbühl & Koltun 2011, as used by DeepLab): mean-field inference with a
// Potts model over a spatial Gaussian kernel (smoothness) and a bilateral kernel (pixels alike in position
// and colour want the same class). Dense Gaussian filtering runs on a permutohedral lattice (Adams et al. 2010),
// so each iteration costs O(pixels · classes), not O(pixels²).
// Probabilities and the image are pixel-interleaved (HWC).

export interface CrfOptions {
  /** Mean-field iterations. */
  iterations: number;
  /** Smoothness kernel: position standard deviation (pixels) and weight. */
  spatialSigma: number;
  spatialWeight: number;
  /** Appearance kernel: position standard deviation (pixels), colour standard deviation (image units) and weight. */
  bilateralSpatialSigma: number;
  bilateralColorSigma: number;
  bilateralWeight: number;
}

/** pydensecrf's usual settings, for 8-bit images. */
export const DEFAULT_CRF_OPTIONS: CrfOptions = {
  iterations: 5,
  spatialSigma: 3,
  spatialWeight: 3,
  bilateralSpatialSigma: 50,
  bilateralColorSigma: 13,
  bilateralWeight: 5,
};

/** Open-addressing hash from integer lattice keys (d coordinates) to dense indices. */
class KeyTable {
  readonly keys: Int32Array;
  count = 0;
  private readonly slots: Int32Array; // entry index + 1, 0 = empty
  private readonly mask: number;

  constructor(private readonly d: number, maxEntries: number) {
    let capacity = 16;
    while (capacity < maxEntries * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.keys = new Int32Array(maxEntries * d);
  }

  find(key: Int32Array, create: boolean): number {
    const d = this.d;
    let h = 0;
    for (let i = 0; i < d; i++) h = Math.imul(h + key[i]!, 2531011);
    let slot = h & this.mask;
    for (;;) {
      const entry = this.slots[slot]!;
      if (entry === 0) {
        if (!create) return -1;
        this.keys.set(key.subarray(0, d), this.count * d);
        this.slots[slot] = ++this.count;
        return this.count - 1;
      }
      const base = (entry - 1) * d;
      let same = true;
      for (let i = 0; i < d && same; i++) same = this.keys[base + i] === key[i];
      if (same) return entry - 1;
      slot = (slot + 1) & this.mask;
    }
  }
}

/**
 * Gaussian filtering in a d-dimensional feature space: splat each point onto the d+1 vertices of its enclosing
 * simplex, blur along the d+1 lattice axes, slice back. Features must already be divided by their sigmas.
 */
export class PermutohedralLattice {
  private readonly offsets: Int32Array;
  private readonly weights: Float32Array;
  private readonly neighbours: Int32Array;
  private readonly vertices: number;

  constructor(features: Float32Array, readonly d: number, readonly n: number) {
    const d1 = d + 1;
    this.offsets = new Int32Array(n * d1);
    this.weights = new Float32Array(n * d1);
    const table = new KeyTable(d, n * d1);
    const scale = new Float64Array(d);
    const invStd = Math.sqrt(2 / 3) * d1;
    for (let i = 0; i < d; i++) scale[i] = invStd / Math.sqrt((i + 1) * (i + 2));
    // canonical[r * d1 + i]: coordinate i of the remainder-r vertex of the canonical simplex.
    const canonical = new Int32Array(d1 * d1);
    for (let r = 0; r < d1; r++) {
      for (let i = 0; i <= d - r; i++) canonical[r * d1 + i] = r;
      for (let i = d - r + 1; i < d1; i++) canonical[r * d1 + i] = r - d1;
    }
    const elevated = new Float64Array(d1);
    const rem0 = new Float64Array(d1);
    const rank = new Int32Array(d1);
    const bary = new Float64Array(d + 2);
    const key = new Int32Array(d1);

    for (let k = 0; k < n; k++) {
      // Elevate onto the hyperplane Σx = 0 of R^(d+1).
      let sum = 0;
      for (let j = d; j > 0; j--) {
        const cf = features[k * d + j - 1]! * scale[j - 1]!;
        elevated[j] = sum - j * cf;
        sum += cf;
      }
      elevated[0] = sum;
      // Nearest remainder-0 lattice point, then the simplex containing the point (rank of each coordinate).
      let digitSum = 0;
      for (let i = 0; i < d1; i++) {
        const rounded = Math.round(elevated[i]! / d1);
        rem0[i] = rounded * d1;
        digitSum += rounded;
      }
      rank.fill(0);
      for (let i = 0; i < d; i++) {
        const di = elevated[i]! - rem0[i]!;
        for (let j = i + 1; j < d1; j++) {
          if (di < elevated[j]! - rem0[j]!) rank[i]!++;
          else rank[j]!++;
        }
      }
      // Off the plane (digitSum ≠ 0): shift back.
      for (let i = 0; i < d1; i++) {
        rank[i]! += digitSum;
        if (rank[i]! < 0) {
          rank[i]! += d1;
          rem0[i]! += d1;
        } else if (rank[i]! > d) {
          rank[i]! -= d1;
          rem0[i]! -= d1;
        }
      }
      bary.fill(0);
      for (let i = 0; i < d1; i++) {
        const v = (elevated[i]! - rem0[i]!) / d1;
        bary[d - rank[i]!]! += v;
        bary[d - rank[i]! + 1]! -= v;
      }
      bary[0]! += 1 + bary[d + 1]!;
      for (let r = 0; r < d1; r++) {
        for (let i = 0; i < d; i++) key[i] = rem0[i]! + canonical[r * d1 + rank[i]!]!;
        this.offsets[k * d1 + r] = table.find(key, true);
        this.weights[k * d1 + r] = bary[r]!;
      }
    }

    // Neighbours of each vertex along each lattice axis j (−1 when absent: it holds nothing).
    const m = table.count;
    this.vertices = m;
    this.neighbours = new Int32Array(d1 * m * 2);
    const n1 = new Int32Array(d1);
    const n2 = new Int32Array(d1);
    for (let j = 0; j < d1; j++) {
      for (let i = 0; i < m; i++) {
        for (let c = 0; c < d; c++) {
          const v = table.keys[i * d + c]!;
          n1[c] = v - 1;
          n2[c] = v + 1;
        }
        if (j < d) {
          n1[j] = table.keys[i * d + j]! + d;
          n2[j] = table.keys[i * d + j]! - d;
        }
        this.neighbours[(j * m + i) * 2] = table.find(n1, false);
        this.neighbours[(j * m + i) * 2 + 1] = table.find(n2, false);
      }
    }
  }

  /** Σ_j k(f_i, f_j) · input_j for every point i (the point itself included), approximately Gaussian k. */
  filter(input: Float32Array, valueSize: number): Float32Array {
    const { n, d, vertices: m } = this;
    const d1 = d + 1;
    // Slot 0 stays zero and stands for missing vertices, so vertex v lives at slot v + 1.
    let values = new Float32Array((m + 1) * valueSize);
    let next = new Float32Array((m + 1) * valueSize);
    for (let k = 0; k < n; k++) {
      for (let r = 0; r < d1; r++) {
        const o = (this.offsets[k * d1 + r]! + 1) * valueSize;
        const w = this.weights[k * d1 + r]!;
        for (let c = 0; c < valueSize; c++) values[o + c]! += w * input[k * valueSize + c]!;
      }
    }
    for (let j = 0; j < d1; j++) {
      for (let i = 0; i < m; i++) {
        const self = (i + 1) * valueSize;
        const a = (this.neighbours[(j * m + i) * 2]! + 1) * valueSize;
        const b = (this.neighbours[(j * m + i) * 2 + 1]! + 1) * valueSize;
        for (let c = 0; c < valueSize; c++) next[self + c] = values[self + c]! + 0.5 * (values[a + c]! + values[b + c]!);
      }
      [values, next] = [next, values];
    }
    const alpha = 1 / (1 + 2 ** -d); // corrects the blur's gain (Adams et al.)
    const out = new Float32Array(n * valueSize);
    for (let k = 0; k < n; k++) {
      for (let r = 0; r < d1; r++) {
        const o = (this.offsets[k * d1 + r]! + 1) * valueSize;
        const w = this.weights[k * d1 + r]! * alpha;
        for (let c = 0; c < valueSize; c++) out[k * valueSize + c]! += w * values[o + c]!;
      }
    }
    return out;
  }
}

/** A kernel with symmetric normalisation D^-1/2 K D^-1/2, so flat regions and edges weigh alike. */
class NormalisedKernel {
  private readonly norm: Float32Array;

  constructor(private readonly lattice: PermutohedralLattice, readonly weight: number) {
    const density = lattice.filter(new Float32Array(lattice.n).fill(1), 1);
    this.norm = density.map((v) => 1 / Math.sqrt(v + 1e-20));
  }

  /** Adds weight · D^-1/2 K D^-1/2 q to `into`. */
  addMessage(q: Float32Array, numClasses: number, into: Float32Array): void {
    const scaled = new Float32Array(q.length);
    for (let i = 0; i < this.lattice.n; i++) {
      for (let c = 0; c < numClasses; c++) scaled[i * numClasses + c] = q[i * numClasses + c]! * this.norm[i]!;
    }
    const filtered = this.lattice.filter(scaled, numClasses);
    for (let i = 0; i < this.lattice.n; i++) {
      const s = this.weight * this.norm[i]!;
      for (let c = 0; c < numClasses; c++) into[i * numClasses + c]! += s * filtered[i * numClasses + c]!;
    }
  }
}

/**
 * Refines class probabilities with a dense CRF over the image; returns new probabilities (HWC).
 * `image` holds `bands` values per pixel in the units bilateralColorSigma is given in (0..255 for 8-bit).
 */
export function denseCrf(
  probs: Float32Array,
  image: Float32Array,
  width: number,
  height: number,
  numClasses: number,
  bands: number,
  options: Partial<CrfOptions> = {},
): Float32Array {
  const o = { ...DEFAULT_CRF_OPTIONS, ...options };
  const n = width * height;
  if (probs.length !== n * numClasses) throw new Error(`crf: probabilities have ${probs.length} values, expected ${width}×${height}×${numClasses}`);
  if (image.length !== n * bands) throw new Error(`crf: image has ${image.length} values, expected ${width}×${height}×${bands}`);
  for (const key of ['spatialSigma', 'bilateralSpatialSigma', 'bilateralColorSigma'] as const) {
    if (!(o[key] > 0)) throw new Error(`crf: ${key} must be positive, got ${o[key]}`);
  }

  const spatial = new Float32Array(n * 2);
  const bilateral = new Float32Array(n * (2 + bands));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      spatial[i * 2] = x / o.spatialSigma;
      spatial[i * 2 + 1] = y / o.spatialSigma;
      const f = i * (2 + bands);
      bilateral[f] = x / o.bilateralSpatialSigma;
      bilateral[f + 1] = y / o.bilateralSpatialSigma;
      for (let b = 0; b < bands; b++) bilateral[f + 2 + b] = image[i * bands + b]! / o.bilateralColorSigma;
    }
  }
  const kernels = [
    new NormalisedKernel(new PermutohedralLattice(spatial, 2, n), o.spatialWeight),
    new NormalisedKernel(new PermutohedralLattice(bilateral, 2 + bands, n), o.bilateralWeight),
  ];

  const logUnary = new Float32Array(probs.length);
  for (let i = 0; i < probs.length; i++) logUnary[i] = Math.log(Math.max(probs[i]!, 1e-8));
  let q: Float32Array = Float32Array.from(probs);
  for (let it = 0; it < o.iterations; it++) {
    // Potts model: agreeing with similar pixels lowers a label's energy by the kernel-weighted mass of that label.
    const energy = Float32Array.from(logUnary);
    for (const kernel of kernels) kernel.addMessage(q, numClasses, energy);
    q = softmaxRows(energy, numClasses);
  }
  return q;
}

function softmaxRows(values: Float32Array, k: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i += k) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, values[i + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += out[i + c] = Math.exp(values[i + c]! - max);
    for (let c = 0; c < k; c++) out[i + c]! /= sum;
  }
  return out;
}
