// The pixel-label model: one class index per pixel, UNLABELED where nobody painted. Plain typed arrays, no DOM.
import { UNLABELED } from '../api/types.ts';
import { intersect, type Rect } from './rect.ts';

export { UNLABELED };

export class LabelMap {
  readonly data: Uint8Array;

  constructor(readonly width: number, readonly height: number, data?: Uint8Array) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`label map size must be positive integers, got ${width}x${height}`);
    }
    if (data && data.length !== width * height) {
      throw new RangeError(`label map data has ${data.length} bytes, expected ${width * height} for ${width}x${height}`);
    }
    this.data = data ?? new Uint8Array(width * height).fill(UNLABELED);
  }

  get bounds(): Rect {
    return { x: 0, y: 0, width: this.width, height: this.height };
  }

  get(x: number, y: number): number {
    return this.data[y * this.width + x];
  }

  set(x: number, y: number, value: number): void {
    this.data[y * this.width + x] = value;
  }

  /** Clips a rectangle to the map. */
  clip(r: Rect): Rect {
    return intersect(r, this.bounds);
  }

  /** Copies the pixels of a rectangle (clipped by the caller) into a new row-major array. */
  read(r: Rect): Uint8Array {
    const out = new Uint8Array(r.width * r.height);
    for (let row = 0; row < r.height; row++) {
      const start = (r.y + row) * this.width + r.x;
      out.set(this.data.subarray(start, start + r.width), row * r.width);
    }
    return out;
  }

  /** Writes row-major pixels of a rectangle back into the map. */
  write(r: Rect, pixels: Uint8Array): void {
    if (pixels.length !== r.width * r.height) throw new RangeError(`patch has ${pixels.length} bytes, expected ${r.width * r.height}`);
    for (let row = 0; row < r.height; row++) {
      this.data.set(pixels.subarray(row * r.width, (row + 1) * r.width), (r.y + row) * this.width + r.x);
    }
  }

  /** The smallest rectangle holding every labeled pixel, or null when nothing is labeled. */
  labeledBounds(): Rect | null {
    const { data, width, height } = this;
    let minX = width, minY = -1, maxX = -1, maxY = -1;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      let first = -1;
      let last = -1;
      for (let x = 0; x < width; x++) {
        if (data[row + x] !== UNLABELED) {
          if (first < 0) first = x;
          last = x;
        }
      }
      if (first < 0) continue;
      if (minY < 0) minY = y;
      maxY = y;
      if (first < minX) minX = first;
      if (last > maxX) maxX = last;
    }
    return minY < 0 ? null : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
  }

  /** Fraction of pixels that carry a label. */
  labeledFraction(): number {
    let labeled = 0;
    for (let i = 0; i < this.data.length; i++) if (this.data[i] !== UNLABELED) labeled++;
    return labeled / this.data.length;
  }
}
