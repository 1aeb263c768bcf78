// One image file → its anomaly map as an 8-bit PNG on the model's normal scale, and its score.
import { InputError } from '../api/errors.ts';
import { openRaster } from '../io/index.ts';
import { writeMaskPng } from '../io/mask.ts';
import type { MapOptions } from './map.ts';
import { anomalyMap } from './map.ts';
import type { AnomalyModel } from './model-dir.ts';
import { imageScore, mapToBytes } from './statistics.ts';

export async function mapImageFile(model: AnomalyModel, file: string, mapFile: string, options: MapOptions = {}): Promise<{ score: number; width: number; height: number }> {
  const raster = await openRaster(file);
  try {
    if (raster.slices > 1) throw new InputError(file, `is a volume of ${raster.slices} slices; anomaly maps take 2D images`);
    const map = await anomalyMap(model.reconstruction, model.meta, raster, file, options);
    await writeMaskPng(mapFile, raster.width, raster.height, mapToBytes(map, model.meta.normalScale));
    return { score: imageScore(map, model.meta.normalScale), width: raster.width, height: raster.height };
  } finally {
    await raster.close();
  }
}
