// Display images as the workbench serves them: the plane asked for (a volume along any axis), rendered by display.ts,
// and kept in a size-bounded cache so opening an image twice, or scrolling the browser, costs once.
import type { DisplayImageOptions, DisplayImagePayload } from '../api/service.ts';
import { openRaster } from '../io/index.ts';
import { resliced } from '../io/reslice.ts';
import type { ImageRecord } from '../store/images.ts';
import { renderDisplayImage, type DisplayImage } from './display.ts';
import { LruCache } from './lru-cache.ts';

const CACHE_BYTES = 64 * 1024 * 1024;

export class DisplayImages {
  private readonly cache = new LruCache<string, DisplayImage>(CACHE_BYTES, (d) => d.bytes.byteLength);

  async payload(image: ImageRecord, options: DisplayImageOptions = {}): Promise<DisplayImagePayload> {
    // The content hash keys the cache too, so an image whose file changed is rendered again.
    const key = `${image.id}:${image.contentHash}:${JSON.stringify(options)}`;
    let rendered = this.cache.get(key);
    if (!rendered) {
      const raster = resliced(await openRaster(image.path), options.axis ?? 2);
      try {
        rendered = await renderDisplayImage(raster, options);
      } finally {
        await raster.close();
      }
      this.cache.set(key, rendered);
    }
    return { mime: rendered.mime, data: rendered.bytes.toString('base64'), width: rendered.width, height: rendered.height };
  }
}
