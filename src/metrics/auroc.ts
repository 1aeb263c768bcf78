// Area under the ROC curve, as the Mann–Whitney statistic: the chance that a random positive scores above a random
// negative, ties counting one half (average ranks). Policy: undefined (null) without a positive or without a negative.

/** AUROC of `scores` against `positive` (non-zero: positive), both one value per item. */
export function auroc(scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): number | null {
  const n = scores.length;
  if (positive.length !== n) throw new RangeError(`${n} scores but ${positive.length} truth values`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  // Each run of equal scores shares the mean of the ranks it spans (ranks from 1).
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]!] === scores[order[start]!]) end++;
    const meanRank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) {
      if (positive[order[k]!]) {
        positives++;
        rankSum += meanRank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
