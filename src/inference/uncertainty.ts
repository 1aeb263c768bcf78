// Uncertainty from class probabilities: per-pixel entropy and margin, a per-image score,
// and the variance across several predictions of one image (test-time augmentation, MC dropout).
// Probabilities are pixel-interleaved (HWC): index = pixel * numClasses + class.

function checkProbs(probs: Float32Array, numClasses: number): number {
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`uncertainty: numClasses must be an integer ≥ 2, got ${numClasses}`);
  if (probs.length % numClasses !== 0) throw new Error(`uncertainty: ${probs.length} values are not a whole number of ${numClasses}-class pixels`);
  return probs.length / numClasses;
}

/** Shannon entropy divided by log(numClasses): 0 = certain, 1 = uniform. */
export function normalisedEntropy(probs: Float32Array, numClasses: number): Float32Array {
  const pixels = checkProbs(probs, numClasses);
  const out = new Float32Array(pixels);
  const scale = 1 / Math.log(numClasses);
  for (let i = 0, o = 0; i < pixels; i++, o += numClasses) {
    let h = 0;
    for (let c = 0; c < numClasses; c++) {
      const p = probs[o + c];
      if (p > 0) h -= p * Math.log(p);
    }
    out[i] = Math.min(1, Math.max(0, h * scale));
  }
  return out;
}

/** 1 − (p1 − p2), where p1 ≥ p2 are the two largest probabilities: 0 = certain, 1 = a tie. */
export function marginUncertainty(probs: Float32Array, numClasses: number): Float32Array {
  const pixels = checkProbs(probs, numClasses);
  const out = new Float32Array(pixels);
  for (let i = 0, o = 0; i < pixels; i++, o += numClasses) {
    let p1 = -Infinity;
    let p2 = -Infinity;
    for (let c = 0; c < numClasses; c++) {
      const p = probs[o + c];
      if (p > p1) {
        p2 = p1;
        p1 = p;
      } else if (p > p2) {
        p2 = p;
      }
    }
    out[i] = 1 - (p1 - p2);
  }
  return out;
}

/** The per-image score stored in the workspace: mean normalised entropy, 0..1. */
export function uncertaintyScore(probs: Float32Array, numClasses: number): number {
  const entropy = normalisedEntropy(probs, numClasses);
  if (entropy.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < entropy.length; i++) sum += entropy[i];
  return sum / entropy.length;
}

/**
 * Streams samples of one image's probabilities and gives, per pixel, the variance across samples
 * averaged over classes (Welford's update, so samples need not be kept).
 */
export class SampleVariance {
  private count = 0;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;

  constructor(readonly pixels: number, readonly numClasses: number) {
    this.mean = new Float64Array(pixels * numClasses);
    this.m2 = new Float64Array(pixels * numClasses);
  }

  add(probs: Float32Array): void {
    if (probs.length !== this.mean.length) {
      throw new Error(`uncertainty: sample has ${probs.length} values, expected ${this.mean.length}`);
    }
    this.count++;
    for (let i = 0; i < probs.length; i++) {
      const delta = probs[i] - this.mean[i];
      this.mean[i] += delta / this.count;
      this.m2[i] += delta * (probs[i] - this.mean[i]);
    }
  }

  get samples(): number {
    return this.count;
  }

  /** Mean of the samples, HWC. */
  meanProbabilities(): Float32Array {
    return Float32Array.from(this.mean);
  }

  /** Population variance across samples, averaged over classes, one value per pixel. */
  perPixelVariance(): Float32Array {
    if (this.count === 0) throw new Error('uncertainty: no samples were added');
    const out = new Float32Array(this.pixels);
    const k = this.numClasses;
    for (let i = 0, o = 0; i < this.pixels; i++, o += k) {
      let v = 0;
      for (let c = 0; c < k; c++) v += this.m2[o + c];
      out[i] = v / (this.count * k);
    }
    return out;
  }
}

/** Variance across samples already in memory (see SampleVariance for the streaming form). */
export function sampleVariance(samples: Float32Array[], numClasses: number): Float32Array {
  if (samples.length === 0) throw new Error('uncertainty: no samples were given');
  const acc = new SampleVariance(checkProbs(samples[0], numClasses), numClasses);
  for (const s of samples) acc.add(s);
  return acc.perPixelVariance();
}
