// One image's anomaly map: each pixel's squared reconstruction error (mean over bands, in normalised units), tiled
// as segmentation tiles an image, then Gaussian-smoothed. Bands are matched as `segment` matches them.
import type * as tf from '@tensorflow/tfjs';
import { InputError } from '../api/errors.ts';
import { matchBands } from '../inference/segment-image.ts';
import { modelPredictor } from '../inference/tfjs-predictor.ts';
import { DEFAULT_TILE_OPTIONS, predictStrips, type PixelSource, type ProgressCallback, type TilePredictor } from '../inference/tiler.ts';
import { getArchitecture } from '../models/index.ts';
import { deviationMap } from './deviation.ts';
import type { AnomalyMeta } from './meta.ts';
import { DEFAULT_STATISTIC, MAX_ANOMALY_PIXELS, type AnomalyStatistic } from './settings.ts';
import { gaussianSmooth } from './smoothing.ts';

export interface MapOptions {
  /** Smoothing σ in pixels; the model's when absent. */
  sigma?: number;
  /** What the map shows; the model's default (modelStatistic) when absent. */
  statistic?: AnomalyStatistic;
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** The smoothed error map of `raster` (row-major, width × height). `file` names the image in errors. */
export async function anomalyMap(
  reconstruction: tf.LayersModel,
  meta: Pick<AnomalyMeta, 'architecture' | 'config' | 'inputChannels' | 'normalisation' | 'sigma'>,
  raster: PixelSource,
  file: string,
  options: MapOptions = {},
): Promise<Float32Array> {
  const { width, height } = raster;
  if (width * height > MAX_ANOMALY_PIXELS) {
    throw new InputError(file, `${width}×${height} is too large for an anomaly map (at most ${MAX_ANOMALY_PIXELS / 1e6} megapixels)`);
  }
  const source = matchBands(raster, meta.inputChannels, file);
  const error = new Float32Array(width * height);
  const sizeMultiple = getArchitecture(meta.architecture).sizeMultiple(meta.config);
  await predictStrips(errorPredictor(reconstruction), source, meta.normalisation, sizeMultiple, DEFAULT_TILE_OPTIONS, (y, _rows, values) => error.set(values, y * width), options.onProgress, options.signal);
  return gaussianSmooth(error, width, height, options.sigma ?? meta.sigma);
}

/** The statistic a map of this model shows: the one asked for, else the default where the model has what it needs. */
export function modelStatistic(meta: Pick<AnomalyMeta, 'deviation'>, modelDir: string, requested?: AnomalyStatistic): AnomalyStatistic {
  if (requested === 'deviation' && !meta.deviation) {
    throw new InputError(modelDir, 'has no normal log error for the deviation statistic (trained before it existed); train it again, or use the error statistic');
  }
  return requested ?? (meta.deviation ? DEFAULT_STATISTIC : 'error');
}

/** The smoothed error map under `statistic`, with the normal scale it is scored and drawn against. */
export function statisticMap(error: Float32Array, meta: Pick<AnomalyMeta, 'normalScale' | 'deviation'>, statistic: AnomalyStatistic): { map: Float32Array; scale: number } {
  if (statistic === 'error') return { map: error, scale: meta.normalScale };
  if (!meta.deviation) throw new RangeError('the deviation statistic needs the model\'s normal log error');
  return { map: deviationMap(error, meta.deviation), scale: meta.deviation.scale };
}

/** Tiles → each pixel's squared reconstruction error, averaged over bands (one channel). */
function errorPredictor(reconstruction: tf.LayersModel): TilePredictor {
  const reconstruct = modelPredictor(reconstruction);
  return async (tiles) => {
    const out = await reconstruct(tiles);
    const bands = tiles.channels;
    const error = new Float32Array(tiles.count * tiles.height * tiles.width);
    for (let i = 0; i < error.length; i++) {
      let sum = 0;
      for (let b = 0; b < bands; b++) sum += (out.data[i * bands + b]! - tiles.data[i * bands + b]!) ** 2;
      error[i] = sum / bands;
    }
    return { ...out, data: error, channels: 1 };
  };
}
