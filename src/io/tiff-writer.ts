// Writing (Geo)TIFFs: strips, optional deflate, chunky or planar bands, GeoTIFF keys that GDAL reads.
import { deflateSync } from 'node:zlib';
import { globals } from 'geotiff';
import { InputError } from './raster.ts';
import { writeAtomic } from './write-atomic.ts';

export type TiffSamples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** Georeferencing to write: a GDAL geotransform plus either the reference's GeoKeys or just an EPSG code. */
export interface TiffGeoreference {
  geoTransform: number[];
  epsg?: number | null;
  /** GeoKeys as geotiff.js parses them (name → value); written back as they were. */
  geoKeys?: Record<string, unknown>;
}

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

const TYPE = { BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, DOUBLE: 12 } as const;
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 12: 8 };
const STRIP_TARGET_BYTES = 64 * 1024;
const MAX_CLASSIC_TIFF_BYTES = 2 ** 32 - 1;

interface Entry { tag: number; type: number; values: number[] | string }

export async function writeTiff(file: string, image: TiffImage): Promise<void> {
  await writeAtomic(file, encodeTiff(file, image));
}

export function encodeTiff(file: string, image: TiffImage): Uint8Array {
  const { width, height, bands, data, layout } = image;
  if (data.length !== width * height * bands) {
    throw new RangeError(`${file}: ${data.length} samples, expected ${width}x${height}x${bands}`);
  }
  const sampleBytes = data.BYTES_PER_ELEMENT;
  const format = data instanceof Float32Array || data instanceof Float64Array ? 3
    : data instanceof Int8Array || data instanceof Int16Array || data instanceof Int32Array ? 2 : 1;
  const planar = layout === 'band' && bands > 1;
  const rowBytes = width * sampleBytes * (planar ? 1 : bands);
  const rowsPerStrip = Math.max(1, Math.min(height, Math.floor(STRIP_TARGET_BYTES / rowBytes)));
  const stripsPerBand = Math.ceil(height / rowsPerStrip);
  const deflate = (image.compression ?? 'deflate') === 'deflate';

  // Raw bytes of the samples in file byte order (little-endian, which is what typed arrays hold on every platform we run).
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const strips: Uint8Array[] = [];
  for (let plane = 0; plane < (planar ? bands : 1); plane++) {
    for (let s = 0; s < stripsPerBand; s++) {
      const firstRow = s * rowsPerStrip;
      const rows = Math.min(rowsPerStrip, height - firstRow);
      const start = (plane * height + firstRow) * rowBytes;
      const strip = raw.subarray(start, start + rows * rowBytes);
      strips.push(deflate ? deflateSync(strip) : strip);
    }
  }

  const entries: Entry[] = [
    { tag: 256, type: TYPE.LONG, values: [width] },
    { tag: 257, type: TYPE.LONG, values: [height] },
    { tag: 258, type: TYPE.SHORT, values: new Array(bands).fill(sampleBytes * 8) },
    { tag: 259, type: TYPE.SHORT, values: [deflate ? 8 : 1] },
    { tag: 262, type: TYPE.SHORT, values: [1] },
    { tag: 273, type: TYPE.LONG, values: new Array(strips.length).fill(0) },
    { tag: 277, type: TYPE.SHORT, values: [bands] },
    { tag: 278, type: TYPE.LONG, values: [rowsPerStrip] },
    { tag: 279, type: TYPE.LONG, values: strips.map((s) => s.length) },
    { tag: 284, type: TYPE.SHORT, values: [planar ? 2 : 1] },
    { tag: 339, type: TYPE.SHORT, values: new Array(bands).fill(format) },
  ];
  // Gray with extra bands: declare them as unspecified extra samples so readers do not guess colour.
  if (bands > 1) entries.push({ tag: 338, type: TYPE.SHORT, values: new Array(bands - 1).fill(0) });
  if (image.georeference) entries.push(...geoEntries(image.georeference));
  if (image.nodata !== undefined && image.nodata !== null) entries.push({ tag: 42113, type: TYPE.ASCII, values: `${image.nodata}\0` });
  entries.sort((a, b) => a.tag - b.tag);

  const headerBytes = 8;
  const dataBytes = strips.reduce((sum, s) => sum + s.length + (s.length & 1), 0);
  const ifdOffset = headerBytes + dataBytes;
  const ifdBytes = 2 + entries.length * 12 + 4;
  let extraBytes = 0;
  for (const e of entries) {
    const size = entrySize(e);
    if (size > 4) extraBytes += size + (size & 1);
  }
  const total = ifdOffset + ifdBytes + extraBytes;
  if (total > MAX_CLASSIC_TIFF_BYTES) throw new InputError(file, `image too large for a classic TIFF (${total} bytes)`);

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, ifdOffset, true);
  let offset = headerBytes;
  const stripOffsets: number[] = [];
  for (const strip of strips) {
    stripOffsets.push(offset);
    out.set(strip, offset);
    offset += strip.length + (strip.length & 1);
  }
  entries.find((e) => e.tag === 273)!.values = stripOffsets;

  view.setUint16(ifdOffset, entries.length, true);
  let extra = ifdOffset + ifdBytes;
  entries.forEach((e, i) => {
    const at = ifdOffset + 2 + i * 12;
    const count = typeof e.values === 'string' ? e.values.length : e.values.length;
    view.setUint16(at, e.tag, true);
    view.setUint16(at + 2, e.type, true);
    view.setUint32(at + 4, count, true);
    const size = entrySize(e);
    let target = at + 8;
    if (size > 4) {
      view.setUint32(at + 8, extra, true);
      target = extra;
      extra += size + (size & 1);
    }
    writeValues(view, target, e);
  });
  view.setUint32(ifdOffset + 2 + entries.length * 12, 0, true);
  return out;
}

function entrySize(e: Entry): number {
  return TYPE_SIZE[e.type] * e.values.length;
}

function writeValues(view: DataView, at: number, e: Entry): void {
  if (typeof e.values === 'string') {
    for (let i = 0; i < e.values.length; i++) view.setUint8(at + i, e.values.charCodeAt(i) & 0x7f);
    return;
  }
  e.values.forEach((v, i) => {
    if (e.type === TYPE.SHORT) view.setUint16(at + i * 2, v, true);
    else if (e.type === TYPE.LONG) view.setUint32(at + i * 4, v, true);
    else if (e.type === TYPE.DOUBLE) view.setFloat64(at + i * 8, v, true);
    else view.setUint8(at + i, v);
  });
}

const GEO_KEY_IDS: Record<string, number> = Object.fromEntries(
  Object.entries(globals.geoKeyNames as Record<string, string>).map(([id, name]) => [name, Number(id)]),
);
/** GeoKeys whose values live in GeoDoubleParams (GeoTIFF 1.1, section 7). */
const DOUBLE_GEO_KEYS = new Set([2053, 2055, 2057, 2058, 2059, 2061, 3077, ...Array.from({ length: 19 }, (_, i) => 3078 + i)]);
const GEO_ASCII_PARAMS = 34737;
const GEO_DOUBLE_PARAMS = 34736;

function geoEntries(geo: TiffGeoreference): Entry[] {
  const [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight] = geo.geoTransform;
  const entries: Entry[] = [];
  if (rowRotation === 0 && columnRotation === 0) {
    entries.push({ tag: 33550, type: TYPE.DOUBLE, values: [pixelWidth, -pixelHeight, 0] });
    entries.push({ tag: 33922, type: TYPE.DOUBLE, values: [0, 0, 0, originX, originY, 0] });
  } else {
    entries.push({ tag: 34264, type: TYPE.DOUBLE, values: [pixelWidth, rowRotation, 0, originX, columnRotation, pixelHeight, 0, originY, 0, 0, 0, 0, 0, 0, 0, 1] });
  }
  const keys: Record<string, unknown> = { ...(geo.geoKeys ?? defaultGeoKeys(geo.epsg ?? null)) };
  // The geotransform already is the pixel corner (PixelIsPoint was resolved on reading), so always write PixelIsArea.
  keys.GTRasterTypeGeoKey = 1;
  const directory: number[] = [];
  let ascii = '';
  const doubles: number[] = [];
  const known = Object.entries(keys).filter(([name, value]) => name in GEO_KEY_IDS && value !== undefined && value !== null)
    .sort(([a], [b]) => GEO_KEY_IDS[a] - GEO_KEY_IDS[b]);
  for (const [name, value] of known) {
    const id = GEO_KEY_IDS[name];
    if (typeof value === 'string') {
      const text = `${value}|`;
      directory.push(id, GEO_ASCII_PARAMS, text.length, ascii.length);
      ascii += text;
    } else if (DOUBLE_GEO_KEYS.has(id) || Array.isArray(value)) {
      const list = (Array.isArray(value) ? value : [value]).map(Number);
      directory.push(id, GEO_DOUBLE_PARAMS, list.length, doubles.length);
      doubles.push(...list);
    } else {
      directory.push(id, 0, 1, value as number);
    }
  }
  entries.push({ tag: 34735, type: TYPE.SHORT, values: [1, 1, 0, known.length, ...directory] });
  if (doubles.length) entries.push({ tag: GEO_DOUBLE_PARAMS, type: TYPE.DOUBLE, values: doubles });
  if (ascii) entries.push({ tag: GEO_ASCII_PARAMS, type: TYPE.ASCII, values: `${ascii}\0` });
  return entries;
}

function defaultGeoKeys(epsg: number | null): Record<string, unknown> {
  if (epsg === null) return { GTModelTypeGeoKey: 1 };
  // EPSG 4000-4999 are geographic (lat/lon) systems; the rest we write are projected.
  const geographic = epsg >= 4000 && epsg < 5000;
  return geographic
    ? { GTModelTypeGeoKey: 2, GeographicTypeGeoKey: epsg }
    : { GTModelTypeGeoKey: 1, ProjectedCSTypeGeoKey: epsg };
}
