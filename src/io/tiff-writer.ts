// Writing a whole (Geo)TIFF held in memory: small images and tests. It goes through the streaming strip writer,
// so there is one TIFF encoder.
import type { RasterDType } from './raster.ts';
import { newSamples, TiffStripWriter, type TiffSamples } from './tiff-strip-writer.ts';
import type { TiffGeoreference } from './tiff-tags.ts';

export type { TiffSamples } from './tiff-strip-writer.ts';
export type { TiffGeoreference } from './tiff-tags.ts';

export interface TiffImage {
  width: number;
  height: number;
  bands: number;
  data: TiffSamples;
  /** 'pixel': index = (row * width + col) * bands + band; 'band': index = band * width * height + row * width + col. */
  layout: 'pixel' | 'band';
  compression?: 'deflate' | 'none';
  georeference?: TiffGeoreference | null;
  nodata?: number | null;
}

/** Writes `image` atomically; band-major data is stored planar, pixel-interleaved data chunky. */
export async function writeTiff(file: string, image: TiffImage): Promise<void> {
  const { width, height, bands, data, layout } = image;
  if (data.length !== width * height * bands) {
    throw new RangeError(`${file}: ${data.length} samples, expected ${width}x${height}x${bands}`);
  }
  const dtype = dtypeOf(data);
  const writer = await TiffStripWriter.create(file, {
    width, height, bands, dtype, interleave: layout, compression: image.compression,
    georeference: image.georeference, nodata: image.nodata,
  });
  try {
    const rowSamples = width * bands;
    for (let y = 0; y < height; y += writer.rowsPerStrip) {
      const rows = Math.min(writer.rowsPerStrip, height - y);
      await writer.appendRows(layout === 'band' && bands > 1 ? interleaveRows(data, dtype, width, height, bands, y, rows) : data.subarray(y * rowSamples, (y + rows) * rowSamples));
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  await writer.finish();
}

/** Rows [y, y + rows) of band-major data, pixel-interleaved (what the strip writer takes). */
function interleaveRows(data: TiffSamples, dtype: RasterDType, width: number, height: number, bands: number, y: number, rows: number): TiffSamples {
  const out = newSamples(dtype, rows * width * bands);
  const plane = width * height;
  for (let b = 0; b < bands; b++) {
    for (let i = 0; i < rows * width; i++) out[i * bands + b] = data[b * plane + y * width + i]!;
  }
  return out;
}

function dtypeOf(data: TiffSamples): RasterDType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}
