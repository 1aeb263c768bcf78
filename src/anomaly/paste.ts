// Real foreign pixels in a normal image, for measuring anomaly maps: a region cut from another image (read through
// matchBands, so it has the target's bands) is pasted in, and the pasted pixels are the truth.
import type { ImageData2D } from '../io/raster.ts';

/** A copy of `target` with `patch` (the same bands) at (x, y), and a mask that is 1 on the pasted pixels. */
export function pasteRegion(target: ImageData2D, patch: ImageData2D, x: number, y: number): { image: ImageData2D; truth: Uint8Array } {
  const { width, height, bands } = target;
  if (patch.bands !== bands) throw new RangeError(`the patch has ${patch.bands} band(s), the image ${bands}`);
  if (x < 0 || y < 0 || x + patch.width > width || y + patch.height > height) {
    throw new RangeError(`a ${patch.width}×${patch.height} patch at (${x}, ${y}) does not fit in ${width}×${height}`);
  }
  const data = target.data.slice();
  const truth = new Uint8Array(width * height);
  for (let row = 0; row < patch.height; row++) {
    const to = (y + row) * width + x;
    data.set(patch.data.subarray(row * patch.width * bands, (row + 1) * patch.width * bands), to * bands);
    truth.fill(1, to, to + patch.width);
  }
  return { image: { width, height, bands, data }, truth };
}
