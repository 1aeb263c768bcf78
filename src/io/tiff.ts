// TIFF and GeoTIFF reading with the geotiff package: windowed reads of striped or tiled files, georeferencing as metadata.
import { fromFile, type GeoTIFF, type GeoTIFFImage } from 'geotiff';
import { InputError, type Raster, type RasterDType } from './raster.ts';
import { checkWindow } from './memory-raster.ts';
import { useNativeInflate } from './tiff-inflate.ts';
import { useLibjpegForTiff } from './tiff-jpeg.ts';
import { useBoundedLzw } from './tiff-lzw.ts';
import { checkTiffStructure } from './tiff-structure.ts';
import { causeText } from './error-text.ts';

useNativeInflate();
useLibjpegForTiff();
useBoundedLzw();

const PHOTOMETRIC_YCBCR = 6;
const PHOTOMETRIC_PALETTE = 3;
const COMPRESSION_JPEG = 7;
const USER_DEFINED_GEOKEY = 32767;
const COMPRESSION_NAMES: Record<number, string> = {
  1: 'none', 5: 'lzw', 6: 'old-jpeg', 7: 'jpeg', 8: 'deflate', 32773: 'packbits', 32946: 'deflate', 34887: 'lerc', 50000: 'zstd', 50001: 'webp',
};

const REDUCED_RESOLUTION = 1;
const TRANSPARENCY_MASK = 4;

/** Opens the full-resolution image of a TIFF; metadata.overviews lists the sizes of its internal overviews (COG). */
export async function openTiff(file: string): Promise<Raster> {
  return openTiffImage(file, 0);
}

/**
 * Opens overview `level` (1 = the largest reduced-resolution image, 0 = full resolution) as its own Raster,
 * with the geotransform scaled to its pixel size. Display code opens the smallest overview that fills the view.
 */
export async function readOverview(file: string, level: number): Promise<Raster> {
  if (level === 0) return openTiff(file);
  const full = await openTiff(file);
  await full.close();
  const overviews = full.metadata.overviews as { image: number }[];
  if (!Number.isInteger(level) || level < 0 || level > overviews.length) {
    throw new InputError(file, `no overview level ${level} (this file has ${overviews.length})`);
  }
  const raster = await openTiffImage(file, overviews[level - 1].image);
  const geoTransform = full.metadata.geoTransform as number[] | undefined;
  if (!geoTransform) return raster;
  // Overviews carry no georeferencing of their own: scale the full image's transform.
  const sx = full.width / raster.width;
  const sy = full.height / raster.height;
  const [ox, a, b, oy, d, e] = geoTransform;
  return { ...raster, readWindow: raster.readWindow, close: raster.close, format: 'geotiff', modality: full.modality,
    metadata: { ...raster.metadata, overviewLevel: level, geoTransform: [ox, a * sx, b * sy, oy, d * sx, e * sy], epsg: full.metadata.epsg, geoKeys: full.metadata.geoKeys } };
}

async function openTiffImage(file: string, index: number): Promise<Raster> {
  await checkTiffStructure(file);
  let tiff: GeoTIFF;
  let image: GeoTIFFImage;
  try {
    tiff = await fromFile(file);
    image = await tiff.getImage(index);
  } catch (error) {
    throw corrupt(file, error);
  }
  try {
    return await tiffRaster(file, tiff, image);
  } catch (error) {
    await tiff.close();
    throw error instanceof InputError ? error : corrupt(file, error);
  }
}

async function tiffRaster(file: string, tiff: GeoTIFF, image: GeoTIFFImage): Promise<Raster> {
  const width = image.getWidth();
  const height = image.getHeight();
  const directory = image.getFileDirectory();
  const photometric = Number(directory.getValue('PhotometricInterpretation') ?? -1);
  const compression = Number(directory.getValue('Compression') ?? 1);
  // YCbCr JPEG tiles come out of libjpeg as RGB already (tiff-jpeg.ts); other YCbCr data geotiff.js converts.
  const ycbcr = photometric === PHOTOMETRIC_YCBCR;
  const convertYcbcr = ycbcr && compression !== COMPRESSION_JPEG;
  // YCbCr (JPEG-in-TIFF photos) is converted to RGB, as GDAL shows it.
  const bands = ycbcr ? 3 : image.getSamplesPerPixel();
  // Without this check geotiff.js would start tile reads nobody awaits (no samples to copy) and crash the process later.
  if (!(width >= 1 && height >= 1 && bands >= 1)) {
    throw new InputError(file, `impossible TIFF header: ${width}x${height} pixels, ${bands} samples per pixel`);
  }
  const dtype = ycbcr ? 'uint8' : sampleDType(file, image);
  const geo = georeference(image);
  const metadata: Record<string, unknown> = {
    compression: COMPRESSION_NAMES[compression] ?? `code ${compression}`,
    layout: image.isTiled ? `tiled ${image.getTileWidth()}x${image.getTileHeight()}` : 'striped',
    interleave: Number(directory.getValue('PlanarConfiguration') ?? 1) === 2 ? 'band' : 'pixel',
    photometric,
    overviews: await listOverviews(tiff),
    ...(photometric === PHOTOMETRIC_PALETTE ? { palette: true } : {}),
    ...geo,
  };
  return {
    path: file,
    format: geo.geoTransform ? 'geotiff' : 'tiff',
    width,
    height,
    bands,
    dtype,
    slices: 1,
    modality: geo.geoTransform ? 'satellite' : 'photo',
    nodata: image.getGDALNoData(),
    metadata,
    async readWindow(x, y, w, h, slice = 0) {
      checkWindow(file, width, height, 1, x, y, w, h, slice);
      const window = [x, y, x + w, y + h];
      try {
        const values = convertYcbcr
          ? await image.readRGB({ window, interleave: true })
          : await image.readRasters({ window, interleave: true });
        // The constructor converts a typed array in one pass; Float32Array.from walks it through the iterator.
        return new Float32Array(values as ArrayLike<number>);
      } catch (error) {
        throw corrupt(file, error);
      }
    },
    async close() {
      await tiff.close();
    },
  };
}

/** Reduced-resolution images (not transparency masks) after the first, largest first. */
async function listOverviews(tiff: GeoTIFF): Promise<{ image: number; width: number; height: number }[]> {
  const count = await tiff.getImageCount();
  const overviews: { image: number; width: number; height: number }[] = [];
  for (let index = 1; index < count; index++) {
    const image = await tiff.getImage(index);
    const kind = Number(image.getFileDirectory().getValue('NewSubfileType') ?? 0);
    if (kind & REDUCED_RESOLUTION && !(kind & TRANSPARENCY_MASK)) overviews.push({ image: index, width: image.getWidth(), height: image.getHeight() });
  }
  return overviews.sort((a, b) => b.width - a.width);
}

function sampleDType(file: string, image: GeoTIFFImage): RasterDType {
  const format = image.getSampleFormat(0) ?? 1;
  const bits = image.getBitsPerSample(0);
  if (!Number.isInteger(bits) || bits < 1) throw new InputError(file, 'damaged TIFF: no usable BitsPerSample tag');
  const kind = format === 3 ? 'float' : format === 2 ? 'int' : 'uint';
  const name = `${kind}${bits}`;
  const known: RasterDType[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];
  if (known.includes(name as RasterDType)) return name as RasterDType;
  // 1/2/4-bit and 12-bit samples decode to the next byte size.
  if (kind === 'uint' && bits < 8) return 'uint8';
  if (kind === 'uint' && bits < 16) return 'uint16';
  throw new InputError(file, `unsupported TIFF sample type: ${bits}-bit ${kind}`);
}

export interface Georeference {
  /** GDAL order: [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight(negative when north-up)]. */
  geoTransform?: number[];
  epsg?: number | null;
  geoKeys?: Record<string, unknown>;
}

export function georeference(image: GeoTIFFImage): Georeference {
  const directory = image.getFileDirectory();
  let geoKeys: Record<string, unknown> | undefined;
  try {
    geoKeys = (image.getGeoKeys() ?? undefined) as Record<string, unknown> | undefined;
  } catch {
    // geotiff.js says "Could not get value of geoKey 'undefined'" when the directory's entries point nowhere.
    throw new Error('its GeoKey directory is damaged (an entry points outside the GeoTIFF tags)');
  }
  const transformation = directory.getValue('ModelTransformation') as number[] | undefined;
  const tiepoint = directory.getValue('ModelTiepoint') as number[] | undefined;
  const scale = directory.getValue('ModelPixelScale') as number[] | undefined;
  let geoTransform: number[] | undefined;
  if (transformation && transformation.length >= 8) {
    geoTransform = [transformation[3], transformation[0], transformation[1], transformation[7], transformation[4], transformation[5]];
  } else if (tiepoint && tiepoint.length >= 6 && scale && scale.length >= 2) {
    const [i, j, , tx, ty] = tiepoint;
    geoTransform = [tx - i * scale[0], scale[0], 0, ty + j * scale[1], 0, -scale[1]];
  }
  if (!geoTransform) return {};
  // PixelIsPoint: the tiepoint names a pixel centre; GDAL shifts by half a pixel to the corner, so do we.
  if (geoKeys?.GTRasterTypeGeoKey === 2) {
    geoTransform[0] -= (geoTransform[1] + geoTransform[2]) / 2;
    geoTransform[3] -= (geoTransform[4] + geoTransform[5]) / 2;
  }
  const projected = Number(geoKeys?.ProjectedCSTypeGeoKey);
  const geographic = Number(geoKeys?.GeographicTypeGeoKey);
  const epsg = projected > 0 && projected !== USER_DEFINED_GEOKEY ? projected
    : geographic > 0 && geographic !== USER_DEFINED_GEOKEY ? geographic : null;
  return { geoTransform, epsg, geoKeys: geoKeys && jsonSafe(geoKeys) };
}

function jsonSafe(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v]));
}

function corrupt(file: string, error: unknown): InputError {
  return new InputError(file, `truncated or corrupt TIFF: ${causeText(error)}`);
}
