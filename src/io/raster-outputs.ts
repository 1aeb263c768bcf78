// Segmentation outputs as TIFF: class masks and per-class probabilities, georeferenced like their input when it was.
import { InputError, type Raster } from './raster.ts';
import { writeTiff, type TiffGeoreference } from './tiff-writer.ts';
import { UNLABELED } from './mask.ts';

/** The georeferencing of a raster read from a GeoTIFF, or null when it has none. */
export function georeferenceOf(raster: Raster): TiffGeoreference | null {
  const { geoTransform, epsg, geoKeys } = raster.metadata as { geoTransform?: number[]; epsg?: number | null; geoKeys?: Record<string, unknown> };
  if (!Array.isArray(geoTransform) || geoTransform.length !== 6) return null;
  return { geoTransform, epsg: epsg ?? null, geoKeys };
}

/** Class mask (255 = unlabeled, declared as nodata) with the reference's size, CRS and geotransform. */
export async function writeGeoTiffMask(file: string, reference: Raster, mask: Uint8Array): Promise<void> {
  if (mask.length !== reference.width * reference.height) {
    throw new InputError(file, `mask has ${mask.length} pixels but ${reference.path} is ${reference.width}x${reference.height}`);
  }
  await writeTiff(file, {
    width: reference.width, height: reference.height, bands: 1, data: mask, layout: 'pixel',
    georeference: georeferenceOf(reference), nodata: UNLABELED,
  });
}

/** Multi-band uint8 TIFF: band k holds class k's probability (0..255); `probabilities` is class-major. */
export async function writeProbabilityTiff(
  file: string, width: number, height: number, numClasses: number, probabilities: Uint8Array, georeference: TiffGeoreference | null = null,
): Promise<void> {
  if (probabilities.length !== width * height * numClasses) {
    throw new RangeError(`${file}: ${probabilities.length} probabilities, expected ${numClasses} classes x ${width}x${height}`);
  }
  await writeTiff(file, { width, height, bands: numClasses, data: probabilities, layout: 'band', georeference });
}
