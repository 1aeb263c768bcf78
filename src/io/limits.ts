// How much one read may decode. A damaged header can declare any size; a reader checks the size it is about to
// allocate against this cap (and, where the format allows, against what the file's own bytes can hold) first,
// so a 2 KB file cannot make Segwork allocate gigabytes.
import { InputError } from './raster.ts';

/** 2^28 pixels: a 16,384 × 16,384 image decoded whole. Larger images are read by window (TIFF) or raise the cap. */
const DEFAULT_MAX_DECODED_PIXELS = 2 ** 28;
let maxDecodedPixels = DEFAULT_MAX_DECODED_PIXELS;

/** Raises (or lowers) the cap for this process, e.g. for a workstation that opens 30,000² PNGs. */
export function setMaxDecodedPixels(pixels: number): void {
  if (!Number.isSafeInteger(pixels) || pixels < 1) throw new RangeError(`the decoded-pixel cap must be a positive integer, got ${pixels}`);
  maxDecodedPixels = pixels;
}

export function getMaxDecodedPixels(): number {
  return maxDecodedPixels;
}

/** Throws unless `width × height` (× `planes` slices or samples) is a real size within the cap. */
export function checkDecodedSize(file: string, what: string, width: number, height: number, planes = 1): void {
  const pixels = width * height * planes;
  if (![width, height, planes].every((n) => Number.isSafeInteger(n) && n >= 1)) {
    throw new InputError(file, `impossible ${what}: ${width} × ${height}${planes > 1 ? ` × ${planes}` : ''}`);
  }
  if (pixels > maxDecodedPixels) {
    throw new InputError(file, `${what} of ${width} × ${height}${planes > 1 ? ` × ${planes}` : ''} is more than the ${maxDecodedPixels.toLocaleString('en')} pixels one read may decode (a damaged header, or raise the cap with setMaxDecodedPixels)`);
  }
}

/**
 * Throws when `decodedBytes` is more than `compressedBytes` can expand to at `maxRatio` (deflate's limit is
 * 1032:1): the header then declares more than the file holds.
 */
export function checkExpansion(file: string, what: string, decodedBytes: number, compressedBytes: number, maxRatio: number): void {
  if (decodedBytes > compressedBytes * maxRatio + 4096) {
    throw new InputError(file, `${what} declares ${decodedBytes.toLocaleString('en')} bytes of pixels, more than its ${compressedBytes.toLocaleString('en')} compressed bytes can hold`);
  }
}
