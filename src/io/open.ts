// openRaster: pick the reader from the file's first bytes, never from its extension alone.
import { open, stat } from 'node:fs/promises';
import { InputError, type ImageData2D, type Raster } from './raster.ts';
import { detectFormat, MAGIC_BYTES, type DetectedFormat } from './magic.ts';
import { openPng } from './png.ts';
import { openJpeg } from './jpeg.ts';
import { openTiff } from './tiff.ts';
import { openDicom, openDicomSeries } from './dicom.ts';
import { openNifti } from './nifti.ts';
import { parseSeriesPath } from './sources.ts';

const SUPPORTED = 'expected PNG, JPEG, TIFF, DICOM or NIfTI';

/**
 * Opens any supported image. Bands are kept as stored (gray+alpha = 2, RGBA = 4); palette PNGs expand to RGB(A).
 * A folder of one DICOM series, or a series path (`<folder>#<SeriesInstanceUID>`), opens as one volume.
 */
export async function openRaster(file: string): Promise<Raster> {
  const series = parseSeriesPath(file);
  if (series) return openDicomSeries(series.dir, series.seriesInstanceUID);
  if ((await stat(file).catch(() => null))?.isDirectory()) return openDicomSeries(file);
  const format = await sniffFormat(file);
  switch (format) {
    case 'png': return openPng(file);
    case 'jpeg': return openJpeg(file);
    case 'tiff': return openTiff(file);
    case 'dicom': return openDicom(file);
    case 'nifti': return openNifti(file);
    case 'gzip':
      if (/\.nii\.gz$/i.test(file)) return openNifti(file);
      break;
  }
  throw new InputError(file, `not a supported image (${format ? `${format} content` : 'unrecognised content'}; ${SUPPORTED})`);
}

/** Reads the whole image of slice `slice` (0 for plain images) into memory. */
export async function readImage(file: string, slice = 0): Promise<ImageData2D> {
  const raster = await openRaster(file);
  try {
    const data = await raster.readWindow(0, 0, raster.width, raster.height, slice);
    return { width: raster.width, height: raster.height, bands: raster.bands, data };
  } finally {
    await raster.close();
  }
}

/** Format from the first bytes; null for anything unrecognised. Missing files and folders are InputErrors. */
export async function sniffFormat(file: string): Promise<DetectedFormat | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw fileError(file, error);
  }
  try {
    const head = new Uint8Array(MAGIC_BYTES);
    const { bytesRead } = await handle.read(head, 0, MAGIC_BYTES, 0);
    return detectFormat(head.subarray(0, bytesRead));
  } catch (error) {
    throw fileError(file, error);
  } finally {
    await handle.close();
  }
}

function fileError(file: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new InputError(file, 'no such file');
  if (code === 'EISDIR') return new InputError(file, 'is a folder, not an image');
  if (code === 'EACCES' || code === 'EPERM') return new InputError(file, 'cannot read the file (permission denied)');
  return error;
}
