// The raw intensities of one plane and one band (Hounsfield units for CT, a raster band's own values), for
// threshold painting: the display image is windowed to 8 bits, so a range in HU cannot be read back from it. The
// plane is read the way displayImage and getMask read it (a volume along any axis), so its pixels lie under the
// mask's pixels one for one. Planes are kept in a size-bounded cache: turning threshold mode off and on, or going
// back to a band, costs once (a DICOM slice takes seconds to decode on a busy laptop).
import { ArgumentError } from '../api/errors.ts';
import type { IntensityPlaneOptions, IntensityPlanePayload } from '../api/service.ts';
import { openRaster } from '../io/index.ts';
import { resliced } from '../io/reslice.ts';
import type { ImageRecord } from '../store/images.ts';
import { LruCache } from './lru-cache.ts';
import { toBase64 } from './payload-bytes.ts';

const CACHE_CHARACTERS = 128 * 1024 * 1024;

export class IntensityPlanes {
  private readonly cache = new LruCache<string, IntensityPlanePayload>(CACHE_CHARACTERS, (p) => p.data.length);

  async payload(image: ImageRecord, options: IntensityPlaneOptions = {}): Promise<IntensityPlanePayload> {
    // The content hash keys the cache too, so an image whose file changed is read again.
    const key = `${image.id}:${image.contentHash}:${options.band ?? 0}:${options.slice ?? 0}:${options.axis ?? 2}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const plane = await readIntensityPlane(image, options);
    this.cache.set(key, plane);
    return plane;
  }
}

async function readIntensityPlane(image: ImageRecord, options: IntensityPlaneOptions = {}): Promise<IntensityPlanePayload> {
  const { band = 0, slice = 0, axis = 2 } = options;
  const raster = resliced(await openRaster(image.path), axis);
  try {
    const { width, height, bands, slices, nodata } = raster;
    if (band >= bands) throw new ArgumentError('intensityPlane', 'options.band', `${band} does not exist: ${image.name} has ${bands} band${bands === 1 ? '' : 's'} (0 to ${bands - 1})`);
    if (slice >= slices) throw new ArgumentError('intensityPlane', 'options.slice', `${slice} does not exist: ${image.name} has ${slices} plane${slices === 1 ? '' : 's'} along axis ${axis}`);
    const all = await raster.readWindow(0, 0, width, height, slice);
    const values = new Float32Array(width * height);
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0, src = band; i < values.length; i++, src += bands) {
      const v = all[src];
      // Nodata travels as NaN, which no threshold range holds.
      if (v === nodata || !Number.isFinite(v)) {
        values[i] = NaN;
        continue;
      }
      values[i] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const empty = min > max;
    return { width, height, band, bands, data: toBase64(new Uint8Array(values.buffer)), min: empty ? null : min, max: empty ? null : max };
  } finally {
    await raster.close();
  }
}
