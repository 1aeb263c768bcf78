// One interface for every image format: windowed reads, so no code path needs a whole large image in memory.

export type RasterDType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export interface Raster {
  readonly path: string;
  /** 'png' | 'jpeg' | 'tiff' | 'geotiff' | 'dicom' | 'nifti' | ... */
  readonly format: string;
  readonly width: number;
  readonly height: number;
  readonly bands: number;
  readonly dtype: RasterDType;
  /** Number of 2D slices/frames (1 for plain images). readWindow reads slice `slice`. */
  readonly slices: number;
  /** Modality: 'photo', 'CT', 'MR', 'satellite', ... */
  readonly modality: string;
  /** Value that means "no data" (becomes unlabeled), if the format declares one. */
  readonly nodata: number | null;
  /** Format-specific facts (geotransform, CRS, DICOM tags, affine...), JSON-serialisable. */
  readonly metadata: Record<string, unknown>;
  /**
   * Decoded values (after rescale slope/intercept) of the window, pixel-interleaved: index = (row * w + col) * bands + band.
   * The window must lie inside the raster.
   */
  readWindow(x: number, y: number, w: number, h: number, slice?: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** A whole decoded 2D image in memory (small images, training patches). */
export interface ImageData2D {
  width: number;
  height: number;
  bands: number;
  /** Pixel-interleaved values. */
  data: Float32Array;
}

// Readers throw the contract's InputError; it is re-exported here because io's callers have always found it here.
export { InputError } from '../api/errors.ts';
