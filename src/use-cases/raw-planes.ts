// The raw values of one plane of an image (every band; Hounsfield units as stored, not the 8-bit display image),
// read the way displayImage and getMask read a plane (a volume along any axis), so its pixels lie under the mask's
// one for one. Threshold painting and grow from seeds both work on them; one size-bounded cache serves both, so a
// preview refined stroke after stroke, or a band chosen again, reads the file once. Growing through a volume reads
// every plane along an axis at once.
import { ArgumentError } from '../api/errors.ts';
import type { VolumeAxis } from '../api/types.ts';
import { openRaster, type Raster } from '../io/index.ts';
import { resliced } from '../io/reslice.ts';
import type { ImageRecord } from '../store/images.ts';
import { LruCache } from './lru-cache.ts';

const CACHE_BYTES = 256 * 1024 * 1024;

export interface RawPlane {
  /** Band-interleaved, width × height × bands (× depth, plane after plane). */
  values: Float32Array;
  width: number;
  height: number;
  /** Planes stacked: 1 for one plane, the count along the axis for a whole volume. */
  depth: number;
  bands: number;
  nodata: number | null;
}

/** Which API argument names the slice, for the error when the image has no such plane. */
export interface SliceArgument {
  method: string;
  argument: string;
}

export class RawPlanes {
  private readonly cache = new LruCache<string, RawPlane>(CACHE_BYTES, (p) => p.values.byteLength);

  async read(image: ImageRecord, slice: number, axis: VolumeAxis, named: SliceArgument): Promise<RawPlane> {
    return this.cached(image, `${axis}:${slice}`, async (raster) => {
      const { width, height, bands, slices, nodata } = raster;
      if (slice >= slices) throw new ArgumentError(named.method, named.argument, `${slice} does not exist: ${image.name} has ${slices} plane${slices === 1 ? '' : 's'} along axis ${axis}`);
      return { values: await raster.readWindow(0, 0, width, height, slice), width, height, depth: 1, bands, nodata };
    }, axis);
  }

  /** Every plane along `axis`, stacked in order (depth = their count). */
  async volume(image: ImageRecord, axis: VolumeAxis): Promise<RawPlane> {
    return this.cached(image, `${axis}:all`, async (raster) => {
      const { width, height, bands, slices, nodata } = raster;
      const size = width * height * bands;
      const values = new Float32Array(size * slices);
      for (let k = 0; k < slices; k++) values.set(await raster.readWindow(0, 0, width, height, k), k * size);
      return { values, width, height, depth: slices, bands, nodata };
    }, axis);
  }

  private async cached(image: ImageRecord, what: string, read: (raster: Raster) => Promise<RawPlane>, axis: VolumeAxis): Promise<RawPlane> {
    // The content hash keys the cache too, so an image whose file changed is read again.
    const key = `${image.id}:${image.contentHash}:${what}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const raster = resliced(await openRaster(image.path), axis);
    try {
      const plane = await read(raster);
      this.cache.set(key, plane);
      return plane;
    } finally {
      await raster.close();
    }
  }
}
