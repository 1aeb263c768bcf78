// Scores a model on labeled images: tiled prediction of each whole image, accumulated into one confusion matrix,
// plus the mean cross-entropy over labeled pixels (the validation loss) and per-image scores.
import { UNLABELED } from '../api/types.ts';
import { ConfusionMatrix } from '../metrics/confusion.ts';
import { argmaxClasses } from './argmax.ts';
import type { Normalisation } from '../models/model-dir.ts';
import { needsWholeImage, refinedPredictor, refineImage, type RefineOptions } from './refine.ts';
import { memorySource, predictStrips, type TileOptions, type TilePredictor } from './tiler.ts';

export interface EvaluationImage {
  name: string;
  width: number;
  height: number;
  bands: number;
  image: Float32Array;
  mask: Uint8Array;
}

export interface PerImageScore {
  name: string;
  meanIoU: number | null;
  pixelAccuracy: number | null;
}

export interface Evaluation {
  confusion: ConfusionMatrix;
  /** Mean -log p(true class) over labeled pixels; null when nothing is labeled. */
  loss: number | null;
  perImage: PerImageScore[];
}

export async function evaluateImages(
  predict: TilePredictor,
  images: EvaluationImage[],
  norm: Normalisation,
  numClasses: number,
  sizeMultiple: number,
  tiles: TileOptions,
  signal?: AbortSignal,
  refine: RefineOptions = {},
): Promise<Evaluation> {
  const total = new ConfusionMatrix(numClasses);
  let lossSum = 0;
  let labeled = 0;
  const perImage: PerImageScore[] = [];
  for (const item of images) {
    let pred: Uint8Array = new Uint8Array(item.width * item.height);
    const whole = needsWholeImage(refine) ? new Float32Array(item.width * item.height * numClasses) : null;
    await predictStrips(
      refinedPredictor(predict, refine),
      memorySource(item.image, item.width, item.height, item.bands),
      norm,
      sizeMultiple,
      tiles,
      (y, rows, probs, c) => {
        const offset = y * item.width;
        pred.set(argmaxClasses(probs, c), offset);
        whole?.set(probs, offset * c);
        for (let i = 0; i < rows * item.width; i++) {
          const t = item.mask[offset + i]!;
          if (t !== UNLABELED && t < c) {
            lossSum -= Math.log(Math.max(probs[i * c + t]!, 1e-7));
            labeled++;
          }
        }
      },
      undefined,
      signal,
    );
    if (whole) pred = refineImage(whole, item.image, item.width, item.height, numClasses, norm, refine).mask;
    const own = new ConfusionMatrix(numClasses);
    own.add(item.mask, pred);
    total.merge(own);
    const report = own.report();
    perImage.push({ name: item.name, meanIoU: report.meanIoU, pixelAccuracy: report.pixelAccuracy });
  }
  return { confusion: total, loss: labeled > 0 ? lossSum / labeled : null, perImage };
}
