// An image file → its anomaly map as bytes on the model's normal scale and its score; for the CLI, written as an
// 8-bit PNG.
import { InputError } from '../api/errors.ts';
import { openRaster, sliceWithNeighbours } from '../io/index.ts';
import { writeMaskPng } from '../io/mask.ts';
import type { MapOptions } from './map.ts';
import { anomalyMap, modelStatistic, statisticMap } from './map.ts';
import type { AnomalyModel } from './model-dir.ts';
import type { AnomalyStatistic } from './settings.ts';
import { imageScore, mapToBytes } from './statistics.ts';

export interface MappedImage {
  width: number;
  height: number;
  /** The map, 128 at its statistic's normal scale (statistics.ts). */
  heatmap: Uint8Array;
  score: number;
  statistic: AnomalyStatistic;
}

/** One slice (0 for plain images) of an image file. */
export async function mapImageSlice(model: AnomalyModel, file: string, slice: number, options: MapOptions = {}): Promise<MappedImage> {
  const raster = await openRaster(file);
  try {
    const statistic = modelStatistic(model.meta, model.dir, options.statistic);
    const error = await anomalyMap(model.reconstruction, model.meta, sliceWithNeighbours(raster, slice), file, options);
    const { map, scale } = statisticMap(error, model.meta, statistic);
    return { width: raster.width, height: raster.height, heatmap: mapToBytes(map, scale), score: imageScore(map, scale), statistic };
  } finally {
    await raster.close();
  }
}

/** A 2D image's map written to `mapFile`; a volume is refused (one PNG cannot hold its slices). */
export async function mapImageFile(model: AnomalyModel, file: string, mapFile: string, options: MapOptions = {}): Promise<MappedImage> {
  const raster = await openRaster(file);
  const slices = raster.slices;
  await raster.close();
  if (slices > 1) throw new InputError(file, `is a volume of ${slices} slices; anomaly maps take 2D images`);
  const mapped = await mapImageSlice(model, file, 0, options);
  await writeMaskPng(mapFile, mapped.width, mapped.height, mapped.heatmap);
  return mapped;
}
