// The numbers drawn from an anomaly map: a percentile (the normal scale), the image score, and the 8-bit form.
import { SCALE_BYTE, SCORE_TOP_SHARE } from './settings.ts';

/** The p-th percentile (0–100) by linear interpolation between the closest ranks (NumPy's default). */
export function percentile(values: Float32Array, p: number): number {
  if (values.length === 0) throw new RangeError('the percentile of no values is undefined');
  const sorted = values.slice().sort();
  const rank = (p / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (rank - below);
}

/** The mean of the largest ⌈share · n⌉ values (at least one). */
export function topShareMean(values: Float32Array, share: number): number {
  if (values.length === 0) throw new RangeError('the top share of no values is undefined');
  const count = Math.max(1, Math.ceil(share * values.length));
  const sorted = values.slice().sort();
  let sum = 0;
  for (let i = sorted.length - count; i < sorted.length; i++) sum += sorted[i]!;
  return sum / count;
}

/** The image's score: the mean of the top 1 % of its smoothed map, in units of the normal scale. */
export function imageScore(map: Float32Array, normalScale: number): number {
  return topShareMean(map, SCORE_TOP_SHARE) / normalScale;
}

/** The map as bytes on one scale for every image: the normal scale is 128, twice it or more is 255. */
export function mapToBytes(map: Float32Array, normalScale: number): Uint8Array {
  const bytes = new Uint8Array(map.length);
  for (let i = 0; i < map.length; i++) bytes[i] = Math.min(255, Math.round((SCALE_BYTE * map[i]!) / normalScale));
  return bytes;
}
