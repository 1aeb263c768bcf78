import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { classPolygons, type Polygon } from '../../../src/io/mask-polygons.ts';
import { writeClassGeoJson } from '../../../src/io/geojson.ts';
import { tempDir } from '../../helpers/tmp.ts';

/** Rasterises polygons back (pixel centres, even-odd over all rings): the inverse the tracing must satisfy. */
function rasterise(polygons: Polygon[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const rings of polygons) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let inside = false;
        for (const ring of rings) {
          for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
            const [xi, yi] = ring[i]!;
            const [xj, yj] = ring[j]!;
            if (yi > y + 0.5 !== yj > y + 0.5 && x + 0.5 < ((xj - xi) * (y + 0.5 - yi)) / (yj - yi) + xi) inside = !inside;
          }
        }
        if (inside) out[y * width + x] = 1;
      }
    }
  }
  return out;
}

function maskFrom(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0]!.length;
  return { mask: Uint8Array.from(rows.join('').split(''), (c) => (c === '.' ? 0 : c === '#' ? 1 : 2)), width, height: rows.length };
}

test('a square with a hole holding an island, and two diagonal pixels: regions, holes and 4-connectivity', () => {
  const { mask, width, height } = maskFrom([
    '#######..',
    '#.....#..',
    '#.###.#..',
    '#.#.#.#..',
    '#.###.#..',
    '#.....#.#',
    '#######.#',
    '.......#.',
  ]);
  const polygons = classPolygons(mask, width, height, 1);
  // Outer ring with one hole; the island (itself with a hole) inside it; the two diagonal pixels at the corner.
  assert.equal(polygons.length, 4);
  assert.deepEqual(polygons.map((p) => p.length).sort(), [1, 1, 2, 2]);
  const big = polygons.find((p) => p[0]!.some(([x, y]) => x === 0 && y === 0))!;
  assert.deepEqual(big[0], [[0, 0], [7, 0], [7, 7], [0, 7], [0, 0]], 'outer ring, corners only, clockwise on screen');
  const isOne = mask.map((v) => (v === 1 ? 1 : 0));
  assert.deepEqual(rasterise(polygons, width, height), isOne, 'rasterising the polygons gives the class back');
  assert.deepEqual(classPolygons(mask, width, height, 2), []);
});

test('random masks: every class traced and rasterised back exactly', () => {
  let seed = 11;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 100) / 100;
  for (let trial = 0; trial < 20; trial++) {
    const width = 5 + Math.floor(random() * 20);
    const height = 5 + Math.floor(random() * 20);
    const mask = Uint8Array.from({ length: width * height }, () => (random() < 0.45 ? 1 : random() < 0.5 ? 0 : 2));
    for (const c of [0, 1, 2]) {
      const want = mask.map((v) => (v === c ? 1 : 0));
      assert.deepEqual(rasterise(classPolygons(mask, width, height, c), width, height), want, `trial ${trial} class ${c}`);
    }
  }
});

test('GeoJSON: features per region in the CRS, coordinates through the geotransform', async (t) => {
  const { mask, width, height } = maskFrom(['##.', '##.', '...']);
  const file = path.join(tempDir(t), 'classes.geojson');
  const count = await writeClassGeoJson(file, mask, width, height, [{ index: 0, name: 'ground' }, { index: 1, name: 'roof' }], { geoTransform: [500000, 0.5, 0, 4000000, 0, -0.5], epsg: 32614 });
  assert.equal(count, 2);
  const geojson = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(geojson.crs.properties.name, 'urn:ogc:def:crs:EPSG::32614');
  const roof = geojson.features.find((f: { properties: { name: string } }) => f.properties.name === 'roof');
  assert.deepEqual(roof.properties, { class: 1, name: 'roof' });
  // Counter-clockwise on the map, as RFC 7946 asks of exterior rings.
  assert.deepEqual(roof.geometry.coordinates, [[[500000, 4000000], [500000, 3999999], [500001, 3999999], [500001, 4000000], [500000, 4000000]]]);
});
