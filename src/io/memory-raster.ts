// A Raster over pixels already decoded in memory (PNG and JPEG cannot be read by window, so they are decoded once).
import type { Raster, RasterDType } from './raster.ts';

export interface MemoryRasterInit {
  path: string;
  format: string;
  width: number;
  height: number;
  bands: number;
  dtype: RasterDType;
  modality: string;
  nodata?: number | null;
  metadata?: Record<string, unknown>;
  /** Pixel-interleaved samples of every slice, slice after slice. */
  pixels: ArrayLike<number>;
  slices?: number;
}

export function memoryRaster(init: MemoryRasterInit): Raster {
  const { width, height, bands, pixels } = init;
  const slices = init.slices ?? 1;
  return {
    path: init.path,
    format: init.format,
    width,
    height,
    bands,
    dtype: init.dtype,
    slices,
    modality: init.modality,
    nodata: init.nodata ?? null,
    metadata: init.metadata ?? {},
    async readWindow(x, y, w, h, slice = 0) {
      checkWindow(init.path, width, height, slices, x, y, w, h, slice);
      const out = new Float32Array(w * h * bands);
      const rowLength = w * bands;
      for (let row = 0; row < h; row++) {
        const from = ((slice * height + y + row) * width + x) * bands;
        for (let i = 0; i < rowLength; i++) out[row * rowLength + i] = pixels[from + i];
      }
      return out;
    },
    async close() {},
  };
}

/** Throws a RangeError (a programming error, not bad input) when a window leaves the raster. */
export function checkWindow(file: string, width: number, height: number, slices: number, x: number, y: number, w: number, h: number, slice: number): void {
  const ok = [x, y, w, h, slice].every(Number.isInteger) && x >= 0 && y >= 0 && w > 0 && h > 0 &&
    x + w <= width && y + h <= height && slice >= 0 && slice < slices;
  if (!ok) {
    throw new RangeError(`${file}: window x=${x} y=${y} w=${w} h=${h} slice=${slice} is outside ${width}x${height}x${slices}`);
  }
}
