// Scores from confusion counts. The policy (null for undefined ratios, absent classes left out of the mean) is
// described at the top of confusion.ts.
import type { ClassScore, MetricsReport } from '../api/types.ts';

/**
 * counts: confusion[truth][pred] row-major (numClasses²); unpredicted: per truth class, pixels predicted 255.
 */
export function metricsReport(
  counts: Float64Array,
  unpredicted: Float64Array,
  numClasses: number,
  classNames?: string[],
): MetricsReport {
  if (classNames !== undefined && classNames.length !== numClasses) {
    throw new Error(`got ${classNames.length} class names for ${numClasses} classes`);
  }
  const n = numClasses;
  const support = new Float64Array(n);
  const predicted = new Float64Array(n);
  let correct = 0;
  for (let t = 0; t < n; t++) {
    support[t] = unpredicted[t];
    for (let p = 0; p < n; p++) {
      const c = counts[t * n + p];
      support[t] += c;
      predicted[p] += c;
    }
    correct += counts[t * n + t];
  }
  const total = support.reduce((sum, s) => sum + s, 0);

  const perClass: ClassScore[] = [];
  let iouSum = 0;
  let iouCount = 0;
  let weightedIoU = 0;
  for (let c = 0; c < n; c++) {
    const tp = counts[c * n + c];
    const falsePositives = predicted[c] - tp;
    const falseNegatives = support[c] - tp;
    const iou = ratio(tp, tp + falsePositives + falseNegatives);
    const dice = ratio(2 * tp, 2 * tp + falsePositives + falseNegatives);
    if (iou !== null) {
      iouSum += iou;
      iouCount++;
      weightedIoU += support[c] * iou;
    }
    perClass.push({
      index: c,
      name: classNames?.[c] ?? `class ${c}`,
      iou,
      dice,
      precision: ratio(tp, predicted[c]),
      recall: ratio(tp, support[c]),
      support: support[c],
    });
  }

  const confusion: number[][] = [];
  for (let t = 0; t < n; t++) confusion.push(Array.from(counts.subarray(t * n, (t + 1) * n)));

  return {
    pixelAccuracy: ratio(correct, total),
    meanIoU: iouCount > 0 ? iouSum / iouCount : null,
    // Classes with null IoU have zero support, so they add nothing to the weighted sum.
    frequencyWeightedIoU: ratio(weightedIoU, total),
    perClass,
    confusion,
  };
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}
