// A class mask as GeoJSON: one feature per connected region, with its holes, in the raster's CRS when it is
// georeferenced (pixel-corner coordinates otherwise), so QGIS and GDAL's ogr read the classes as vector layers.
import { classPolygons, signedArea } from './mask-polygons.ts';
import type { TiffGeoreference } from './tiff-writer.ts';
import { writeAtomic } from './write-atomic.ts';

export interface GeoJsonClass {
  index: number;
  name: string;
}

/** Writes every region of every class (unlabeled 255 is no class) as a Polygon feature {class, name}. */
export async function writeClassGeoJson(file: string, mask: Uint8Array, width: number, height: number, classes: GeoJsonClass[], georeference: TiffGeoreference | null): Promise<number> {
  const toWorld = georeference ? worldOf(georeference.geoTransform) : (p: [number, number]): [number, number] => p;
  const features = classes.flatMap((c) =>
    classPolygons(mask, width, height, c.index).map((polygon) => ({
      type: 'Feature',
      properties: { class: c.index, name: c.name },
      geometry: { type: 'Polygon', coordinates: polygon.map((ring, k) => oriented(ring.map(toWorld), k === 0)) },
    })),
  );
  const crs = georeference?.epsg ? { crs: { type: 'name', properties: { name: `urn:ogc:def:crs:EPSG::${georeference.epsg}` } } } : {};
  await writeAtomic(file, Buffer.from(JSON.stringify({ type: 'FeatureCollection', ...crs, features })));
  return features.length;
}

/** RFC 7946: exterior rings counter-clockwise, holes clockwise (in the output coordinates, y up). */
function oriented(ring: [number, number][], exterior: boolean): [number, number][] {
  return signedArea(ring) > 0 === exterior ? ring : ring.reverse();
}

/** GDAL geotransform: X = ox + col·a + row·b, Y = oy + col·d + row·e. */
function worldOf([ox, a, b, oy, d, e]: number[]): (p: [number, number]) => [number, number] {
  return ([x, y]) => [ox! + x * a! + y * b!, oy! + x * d! + y * e!];
}
