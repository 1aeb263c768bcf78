// Confusion matrix of class-index masks, accumulated over any number of image pairs.
//
// Policy (kept on purpose; tests pin it down):
// - Truth 255 (UNLABELED) pixels are skipped entirely, whatever was predicted there.
// - Prediction 255 on a labeled truth pixel means "no prediction": it counts in the truth class's support and against
//   its recall, IoU, Dice and pixel accuracy, but is a false positive for no class. It is kept apart (`unpredicted`),
//   so `counts` stays a square matrix.
// - Any other value >= numClasses, in truth or prediction, throws an Error naming the value; the matrix is unchanged.
// - Scores are computed by report() in report.ts: a class absent from both truth and prediction has IoU and Dice NaN,
//   reported as null and left out of the mean IoU; precision is null when a class is never predicted, recall null when
//   its support is 0.
// Counts are float64 so that sums over large datasets stay exact (integers up to 2^53).
import type { MetricsReport } from '../api/types.ts';
import { UNLABELED } from '../api/types.ts';
import { metricsReport } from './report.ts';

export class ConfusionMatrix {
  /** confusion[truth][pred] at truth * numClasses + pred, labeled truth pixels with a class prediction. */
  readonly counts: Float64Array;
  /** Per truth class: labeled pixels whose prediction was 255. */
  readonly unpredicted: Float64Array;
  // Joint histogram of (truth << 8 | pred) for one add() call: a branch-free loop, validated once afterwards.
  private readonly pairHistogram = new Float64Array(256 * 256);

  constructor(readonly numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 255) {
      throw new Error(`number of classes must be an integer from 1 to 255, got ${numClasses}`);
    }
    this.counts = new Float64Array(numClasses * numClasses);
    this.unpredicted = new Float64Array(numClasses);
  }

  /** Adds one truth/prediction pair of equal length (row-major class indices, 255 unlabeled). */
  add(truth: Uint8Array, pred: Uint8Array): void {
    if (truth.length !== pred.length) {
      throw new Error(`truth has ${truth.length} pixels but prediction has ${pred.length}`);
    }
    const histogram = this.pairHistogram;
    histogram.fill(0);
    for (let i = 0; i < truth.length; i++) histogram[(truth[i] << 8) | pred[i]]++;
    this.checkValues(histogram);
    this.foldIn(histogram);
  }

  /** Adds another matrix's counts (same number of classes) into this one. */
  merge(other: ConfusionMatrix): void {
    if (other.numClasses !== this.numClasses) {
      throw new Error(`cannot merge a ${other.numClasses}-class confusion matrix into a ${this.numClasses}-class one`);
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    for (let i = 0; i < this.unpredicted.length; i++) this.unpredicted[i] += other.unpredicted[i];
  }

  /** Scores per class and overall; class names default to "class <index>". */
  report(classNames?: string[]): MetricsReport {
    return metricsReport(this.counts, this.unpredicted, this.numClasses, classNames);
  }

  private checkValues(histogram: Float64Array): void {
    const n = this.numClasses;
    for (let value = n; value < UNLABELED; value++) {
      for (let other = 0; other < 256; other++) {
        if (histogram[(value << 8) | other] > 0) throw new Error(`truth value ${value} is not a class index (0..${n - 1}) or ${UNLABELED}`);
        if (histogram[(other << 8) | value] > 0) throw new Error(`prediction value ${value} is not a class index (0..${n - 1}) or ${UNLABELED}`);
      }
    }
  }

  private foldIn(histogram: Float64Array): void {
    const n = this.numClasses;
    for (let t = 0; t < n; t++) {
      for (let p = 0; p < n; p++) this.counts[t * n + p] += histogram[(t << 8) | p];
      this.unpredicted[t] += histogram[(t << 8) | UNLABELED];
    }
  }
}
