// Optional refinements of a prediction, shared by eval, segment and the workbench: test-time augmentation (on
// each tile), a dense CRF and small-island removal (on the whole image's result).
import type { Normalisation } from '../models/model-dir.ts';
import { denseCrf, type CrfOptions } from './crf.ts';
import { argmaxClasses } from './argmax.ts';
import { removeSmallIslands } from './islands.ts';
import type { TilePredictor } from './tiler.ts';
import { predictWithTta, type TtaTransformName } from './tta.ts';

export interface RefineOptions {
  /** Transforms averaged per tile; none when absent. */
  tta?: readonly TtaTransformName[];
  /** Dense CRF settings; off when absent. */
  crf?: Partial<CrfOptions>;
  /** Regions smaller than this many pixels take their surroundings' class; off when absent or 0. */
  minIsland?: number;
}

/** Whether refining needs the whole image's probabilities (not just streamed rows). */
export function needsWholeImage(options: RefineOptions): boolean {
  return options.crf !== undefined || (options.minIsland ?? 0) > 0;
}

/** The predictor with test-time augmentation when asked for. */
export function refinedPredictor(predict: TilePredictor, options: RefineOptions): TilePredictor {
  const tta = options.tta;
  if (!tta || tta.length <= 1) return predict;
  return (tiles) => predictWithTta(predict, tiles, tta);
}

/**
 * CRF then island removal on one image. `probs` pixel-interleaved; `image` the raw band values, brought to the
 * CRF's 0..255 colour scale through the model's normalisation (mean ± 2 std ↦ 0..255), whatever the dtype.
 */
export function refineImage(
  probs: Float32Array,
  image: Float32Array,
  width: number,
  height: number,
  numClasses: number,
  norm: Normalisation,
  options: RefineOptions,
): { probs: Float32Array; mask: Uint8Array } {
  let refined = probs;
  if (options.crf !== undefined) {
    const bands = norm.mean.length;
    const scaled = new Float32Array(image.length);
    for (let i = 0; i < image.length; i++) {
      const b = i % bands;
      scaled[i] = ((image[i]! - norm.mean[b]!) / norm.std[b]!) * 64 + 128;
    }
    refined = denseCrf(probs, scaled, width, height, numClasses, bands, options.crf);
  }
  let mask = argmaxClasses(refined, numClasses);
  if ((options.minIsland ?? 0) > 0) mask = removeSmallIslands(mask, width, height, { minArea: options.minIsland! }).mask;
  return { probs: refined, mask };
}
