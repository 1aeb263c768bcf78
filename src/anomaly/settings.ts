// Anomaly maps' settings: valid ranges, defaults and the fixed choices behind the score and the 8-bit scale. Apart
// from the training and the maps because the CLI checks its options with them before it loads TensorFlow.js.
import { DEFAULT_WEIGHT, OBJECTIVE_RANGES } from '../training/pretrain-settings.ts';

/** variational: a Gaussian bottleneck with a β-weighted KL term; plain: reconstruction alone. */
export const ANOMALY_OBJECTIVES = ['variational', 'plain'] as const;
export type AnomalyObjective = (typeof ANOMALY_OBJECTIVES)[number];

/**
 * What a map shows: error, the smoothed squared reconstruction error; deviation, how far its log lies from the
 * training images' in either direction (deviation.ts), so regions reconstructed unusually well count too.
 */
export const ANOMALY_STATISTICS = ['error', 'deviation'] as const;
export type AnomalyStatistic = (typeof ANOMALY_STATISTICS)[number];
/**
 * For models that store the normal log error (older ones have only the error). Deviation: on membranes with CamVid
 * regions pasted in it found them above chance in every run where the error fell below (README, Anomaly maps).
 */
export const DEFAULT_STATISTIC: AnomalyStatistic = 'deviation';

export const ANOMALY_RANGES = {
  /** β, the KL weight: the pre-training objectives' weight range. */
  beta: OBJECTIVE_RANGES.weight,
  /** The Gaussian smoothing of the error map, in pixels (0: none). */
  sigma: [0, 64],
} as const satisfies Record<string, readonly [number, number]>;

export const DEFAULT_BETA = DEFAULT_WEIGHT.variational;
export const DEFAULT_SIGMA = 4;

/**
 * The autoencoder's encoder: a U-Net encoder four levels deep with 8 base filters, so its code (128 channels at
 * 1/16 of the side) holds half a value per input pixel: too few to copy the image, so it must learn what is normal.
 */
export const DEFAULT_ENCODER = { architecture: 'unet', preset: 'small', modelConfig: { depth: 4, baseFilters: 8, dropout: 0 } };

/** The image score is the mean of the top SCORE_TOP_SHARE of its smoothed map (a small region counts, noise does not). */
export const SCORE_TOP_SHARE = 0.01;
/** The normal scale is this percentile of the smoothed maps over the training images. */
export const SCALE_PERCENTILE = 99;
/** In the 8-bit maps the normal scale is this value (up to twice the scale stays distinct; 255 is the cap). */
export const SCALE_BYTE = 128;
/** The whole-image error map is float32 and smoothed in a second buffer: 50 megapixels are 400 MB. */
export const MAX_ANOMALY_PIXELS = 50_000_000;

/** Throws a RangeError naming the setting and its valid range. */
export function checkAnomalySettings(s: { beta: number; sigma: number }): void {
  for (const [name, [min, max]] of Object.entries(ANOMALY_RANGES)) {
    const value = s[name as keyof typeof ANOMALY_RANGES];
    if (!(value >= min && value <= max)) throw new RangeError(`anomaly ${name} must be in [${min}, ${max}], got ${value}`);
  }
}
