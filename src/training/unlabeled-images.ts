// Unlabeled images for encoder pre-training. A volume gives evenly spaced slices through its whole depth, not
// just its first slice (often air in CT), capped so a folder of volumes still fits in memory.
import { openRaster, type ImageData2D } from '../io/index.ts';

/** Slices read from one volume: a 512² CT volume at 16 slices is 16 MB of float32. */
export const PRETRAIN_SLICES_PER_VOLUME = 16;

/** At most `count` slice indices of `slices`, evenly spaced, centred in their intervals. */
export function spacedSlices(slices: number, count: number): number[] {
  if (slices <= count) return Array.from({ length: slices }, (_, k) => k);
  return Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * slices) / count));
}

/** Every image of `paths` (a volume: its spaced slices), named "path" or "path [slice k]". */
export async function readUnlabeledImages(paths: string[], slicesPerVolume = PRETRAIN_SLICES_PER_VOLUME): Promise<(ImageData2D & { name: string })[]> {
  const images: (ImageData2D & { name: string })[] = [];
  for (const file of paths) {
    const raster = await openRaster(file);
    try {
      for (const slice of spacedSlices(raster.slices, slicesPerVolume)) {
        const data = await raster.readWindow(0, 0, raster.width, raster.height, slice);
        images.push({ width: raster.width, height: raster.height, bands: raster.bands, data, name: raster.slices > 1 ? `${file} [slice ${slice}]` : file });
      }
    } finally {
      await raster.close();
    }
  }
  return images;
}
