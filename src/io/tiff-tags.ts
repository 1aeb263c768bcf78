// TIFF tag entries the writer emits: field types, and the GeoTIFF tags (transform, GeoKeys) that GDAL reads.
import { globals } from 'geotiff';

export const TYPE = { BYTE: 1, ASCII: 2, SHORT: 3, LONG: 4, DOUBLE: 12, LONG8: 16 } as const;
export const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 12: 8, 16: 8 };

export interface TiffEntry { tag: number; type: number; values: number[] | string }

/** Georeferencing to write: a GDAL geotransform plus either the reference's GeoKeys or just an EPSG code. */
export interface TiffGeoreference {
  geoTransform: number[];
  epsg?: number | null;
  /** GeoKeys as geotiff.js parses them (name → value); written back as they were. */
  geoKeys?: Record<string, unknown>;
}

export function entryBytes(e: TiffEntry): number {
  return TYPE_SIZE[e.type]! * e.values.length;
}

/** Writes an entry's values at `at`, little-endian. */
export function writeEntryValues(view: DataView, at: number, e: TiffEntry): void {
  if (typeof e.values === 'string') {
    for (let i = 0; i < e.values.length; i++) view.setUint8(at + i, e.values.charCodeAt(i) & 0x7f);
    return;
  }
  e.values.forEach((v, i) => {
    if (e.type === TYPE.SHORT) view.setUint16(at + i * 2, v, true);
    else if (e.type === TYPE.LONG) view.setUint32(at + i * 4, v, true);
    else if (e.type === TYPE.DOUBLE) view.setFloat64(at + i * 8, v, true);
    else if (e.type === TYPE.LONG8) view.setBigUint64(at + i * 8, BigInt(v), true);
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

/** ModelPixelScale + ModelTiepoint (or ModelTransformation when rotated) and the GeoKey directory. */
export function geoEntries(geo: TiffGeoreference): TiffEntry[] {
  const [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight] = geo.geoTransform as [number, number, number, number, number, number];
  const entries: TiffEntry[] = [];
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
    .sort(([a], [b]) => GEO_KEY_IDS[a]! - GEO_KEY_IDS[b]!);
  for (const [name, value] of known) {
    const id = GEO_KEY_IDS[name]!;
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
