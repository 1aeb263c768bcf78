// Segmentation outputs as TIFF: class masks, per-class probabilities and uncertainty, georeferenced like their input
// when it was. Each kind has one file layout, whether written whole (in-memory results) or streamed row by row.
import { InputError, type Raster } from './raster.ts';
import { TiffStripWriter } from './tiff-strip-writer.ts';
import type { TiffGeoreference } from './tiff-tags.ts';
import { UNLABELED } from '../api/types.ts';

/** The georeferencing of a raster read from a GeoTIFF, or null when it has none. */
export function georeferenceOf(raster: Raster): TiffGeoreference | null {
  const { geoTransform, epsg, geoKeys } = raster.metadata as { geoTransform?: number[]; epsg?: number | null; geoKeys?: Record<string, unknown> };
  if (!Array.isArray(geoTransform) || geoTransform.length !== 6) return null;
  return { geoTransform, epsg: epsg ?? null, geoKeys };
}

/** Streams a class mask: uint8, 255 = unlabeled (declared as nodata). */
export function createMaskWriter(file: string, width: number, height: number, georeference: TiffGeoreference | null): Promise<TiffStripWriter> {
  return TiffStripWriter.create(file, { width, height, bands: 1, dtype: 'uint8', georeference, nodata: UNLABELED });
}

/** Streams probabilities: uint8, band k = class k (0..255), pixel-interleaved. */
export function createProbabilityWriter(file: string, width: number, height: number, numClasses: number, georeference: TiffGeoreference | null): Promise<TiffStripWriter> {
  return TiffStripWriter.create(file, { width, height, bands: numClasses, dtype: 'uint8', georeference });
}

/** Streams a per-pixel uncertainty map: uint8, 0 (sure) … 255 (undecided). */
export function createUncertaintyWriter(file: string, width: number, height: number, georeference: TiffGeoreference | null): Promise<TiffStripWriter> {
  return TiffStripWriter.create(file, { width, height, bands: 1, dtype: 'uint8', georeference });
}

/** Class mask (255 = unlabeled, declared as nodata) with the reference's size, CRS and geotransform. */
export async function writeGeoTiffMask(file: string, reference: Raster, mask: Uint8Array): Promise<void> {
  if (mask.length !== reference.width * reference.height) {
    throw new InputError(file, `mask has ${mask.length} pixels but ${reference.path} is ${reference.width}x${reference.height}`);
  }
  const writer = await createMaskWriter(file, reference.width, reference.height, georeferenceOf(reference));
  await writeAll(writer, () => writer.appendRows(mask));
}

/** Multi-band uint8 TIFF: band k holds class k's probability (0..255); `probabilities` is class-major. */
export async function writeProbabilityTiff(
  file: string, width: number, height: number, numClasses: number, probabilities: Uint8Array, georeference: TiffGeoreference | null = null,
): Promise<void> {
  if (probabilities.length !== width * height * numClasses) {
    throw new RangeError(`${file}: ${probabilities.length} probabilities, expected ${numClasses} classes x ${width}x${height}`);
  }
  const writer = await createProbabilityWriter(file, width, height, numClasses, georeference);
  await writeAll(writer, async () => {
    const plane = width * height;
    for (let y = 0; y < height; y += writer.rowsPerStrip) {
      const pixels = Math.min(writer.rowsPerStrip, height - y) * width;
      const rows = new Uint8Array(pixels * numClasses);
      for (let k = 0; k < numClasses; k++) {
        for (let i = 0; i < pixels; i++) rows[i * numClasses + k] = probabilities[k * plane + y * width + i]!;
      }
      await writer.appendRows(rows);
    }
  });
}

async function writeAll(writer: TiffStripWriter, append: () => Promise<void>): Promise<void> {
  try {
    await append();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.finish();
}
