// Grow from seeds for the workbench: the open plane's raw intensities (every band, Hounsfield units as stored, not
// the 8-bit display image) and the labels the renderer holds now go through the core's competitive growth. The
// plane's pixels are kept in a size-bounded cache, so each stroke that refines a preview reads the file once.
import { ArgumentError } from '../api/errors.ts';
import type { GrowRequest, GrownPlane } from '../api/service.ts';
import { openRaster } from '../io/index.ts';
import { resliced } from '../io/reslice.ts';
import { growFromSeeds } from '../labels/grow-from-seeds.ts';
import type { ImageRecord } from '../store/images.ts';
import { LruCache } from './lru-cache.ts';
import { fromBase64, toBase64 } from './payload-bytes.ts';

const CACHE_BYTES = 256 * 1024 * 1024;

interface Plane {
  values: Float32Array;
  width: number;
  height: number;
  bands: number;
}

export class SeedGrowing {
  private readonly planes = new LruCache<string, Plane>(CACHE_BYTES, (p) => p.values.byteLength);

  async grow(image: ImageRecord, request: GrowRequest): Promise<GrownPlane> {
    const plane = await this.plane(image, request.slice ?? 0, request.axis ?? 2);
    const labels = fromBase64(request.labels);
    if (labels.length !== plane.width * plane.height) {
      throw new ArgumentError('growFromSeeds', 'labels', `has ${labels.length} bytes; the plane is ${plane.width}×${plane.height} (${plane.width * plane.height} bytes)`);
    }
    const grown = growFromSeeds(plane, labels, { ...(request.roi ? { roi: request.roi } : {}), ...(request.neighbours ? { neighbours: request.neighbours } : {}) });
    return { width: plane.width, height: plane.height, data: toBase64(grown) };
  }

  private async plane(image: ImageRecord, slice: number, axis: 0 | 1 | 2): Promise<Plane> {
    // The content hash keys the cache too, so an image whose file changed is read again.
    const key = `${image.id}:${image.contentHash}:${axis}:${slice}`;
    const cached = this.planes.get(key);
    if (cached) return cached;
    const raster = resliced(await openRaster(image.path), axis);
    try {
      if (slice >= raster.slices) throw new ArgumentError('growFromSeeds', 'slice', `is ${slice}, but ${image.name} has ${raster.slices} plane${raster.slices === 1 ? '' : 's'} along axis ${axis}`);
      const plane = { values: await raster.readWindow(0, 0, raster.width, raster.height, slice), width: raster.width, height: raster.height, bands: raster.bands };
      this.planes.set(key, plane);
      return plane;
    } finally {
      await raster.close();
    }
  }
}
