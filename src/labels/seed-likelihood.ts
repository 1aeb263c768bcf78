// How likely each voxel is to belong to each seeded class, judged by its intensities alone: per class and band a
// histogram of the seeds' values (spread over neighbouring bins, since a few strokes sample a class thinly), the
// bands taken as independent (naive Bayes), normalised over the seeded classes. Grow from seeds uses it so a class
// travels cheaply through voxels that look like its seeds.
import { UNLABELED } from '../api/types.ts';

const BINS = 64;
/** A seed counts in its bin and this many bins either side. */
const SPREAD = 2;
/** Density floor per bin: an intensity no seed had is unlikely for the class, never impossible. */
const FLOOR = 1e-3;
/** The least probability a class takes, so one odd voxel costs a bounded amount (−log 0.001 ≈ 6.9). */
const LEAST_PROBABILITY = 1e-3;

export interface SeedLikelihoods {
  /** The seeded class indices, in the order their probabilities are stored. */
  classes: number[];
  /** By class index: its position in `classes`, -1 when not seeded. */
  slotOf: Int16Array;
  /**
   * Per voxel, how unlikely each seeded class is (classes.length values): −log of its probability, the
   * probabilities over the seeded classes summing to 1 and each taken as at least LEAST_PROBABILITY.
   */
  unlikeliness: Float32Array;
}

/** `intensity` holds `bands` values per voxel; `seeds` a class index per voxel, UNLABELED where none was painted. */
export function seedLikelihoods(intensity: Float32Array, bands: number, seeds: Uint8Array): SeedLikelihoods {
  const count = seeds.length;
  const classes: number[] = [];
  const slotOf = new Int16Array(256).fill(-1);
  for (let i = 0; i < count; i++) {
    const c = seeds[i];
    if (c !== UNLABELED && slotOf[c] < 0) {
      slotOf[c] = classes.length;
      classes.push(c);
    }
  }
  const k = classes.length;
  const bins = binsOf(intensity, bands);
  const density = new Float32Array(k * bands * BINS);
  const seedCount = new Float32Array(k);
  for (let i = 0; i < count; i++) {
    if (seeds[i] === UNLABELED) continue;
    const c = slotOf[seeds[i]];
    seedCount[c]++;
    for (let b = 0; b < bands; b++) {
      const at = bins[i * bands + b];
      for (let j = Math.max(0, at - SPREAD); j <= Math.min(BINS - 1, at + SPREAD); j++) density[(c * bands + b) * BINS + j]++;
    }
  }
  for (let c = 0; c < k; c++) {
    const total = seedCount[c] * (2 * SPREAD + 1);
    for (let j = c * bands * BINS; j < (c + 1) * bands * BINS; j++) density[j] = density[j] / total + FLOOR;
  }
  const unlikeliness = new Float32Array(count * k);
  if (bands === 1) {
    // One band: a voxel's classes depend on its bin alone, so each bin's are worked out once (not a logarithm per voxel).
    const table = new Float32Array(BINS * k);
    for (let bin = 0; bin < BINS; bin++) classCosts(density, 1, k, Uint8Array.of(bin), 0, table, bin * k);
    for (let i = 0; i < count; i++) for (let c = 0; c < k; c++) unlikeliness[i * k + c] = table[bins[i] * k + c];
  } else {
    for (let i = 0; i < count; i++) classCosts(density, bands, k, bins, i * bands, unlikeliness, i * k);
  }
  return { classes, slotOf, unlikeliness };
}

/**
 * −log P(class) for the voxel whose band bins start at bins[at], written from out[to]: densities multiplied over
 * bands (naive Bayes), normalised over the classes, floored at LEAST_PROBABILITY.
 */
function classCosts(density: Float32Array, bands: number, k: number, bins: Uint8Array, at: number, out: Float32Array, to: number): void {
  let sum = 0;
  for (let c = 0; c < k; c++) {
    let p = 1;
    for (let b = 0; b < bands; b++) p *= density[(c * bands + b) * BINS + bins[at + b]];
    out[to + c] = p;
    sum += p;
  }
  for (let c = 0; c < k; c++) out[to + c] = -Math.log(Math.max(LEAST_PROBABILITY, out[to + c] / sum));
}

/** Each value's histogram bin, over its band's full range. */
function binsOf(intensity: Float32Array, bands: number): Uint8Array {
  const out = new Uint8Array(intensity.length);
  for (let b = 0; b < bands; b++) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = b; i < intensity.length; i += bands) {
      const v = intensity[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const scale = max > min ? (BINS - 1) / (max - min) : 0;
    for (let i = b; i < intensity.length; i += bands) out[i] = Math.round((intensity[i] - min) * scale);
  }
  return out;
}
