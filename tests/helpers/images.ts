// Small real PNG datasets for tests: grey images with a bright square (class 1) on a dark noisy background (class 0).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { openRaster } from '../../src/io/index.ts';

export function writeGrayPng(file: string, width: number, height: number, values: Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.from(values);
  writeFileSync(file, PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
}

/** Writes N image/label pairs; label values are `labelValues[class]` (e.g. [0, 255] like the membrane masks). */
export function writeSquaresDataset(dir: string, count: number, size = 32, labelValues = [0, 1]): { images: string; labels: string } {
  const images = path.join(dir, 'images');
  const labels = path.join(dir, 'labels');
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let n = 0; n < count; n++) {
    const img = new Uint8Array(size * size);
    const lbl = new Uint8Array(size * size);
    const x0 = Math.floor(rand() * size * 0.5);
    const y0 = Math.floor(rand() * size * 0.5);
    const side = Math.floor(size * 0.4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
        img[y * size + x] = inside ? 200 + Math.floor(rand() * 40) : 30 + Math.floor(rand() * 40);
        lbl[y * size + x] = labelValues[inside ? 1 : 0]!;
      }
    }
    writeGrayPng(path.join(images, `img${n}.png`), size, size, img);
    writeGrayPng(path.join(labels, `img${n}.png`), size, size, lbl);
  }
  return { images, labels };
}

/** An image's first slice through the repo's own reader: its (closed) raster for the metadata, and every value. */
export async function readRaster(file: string) {
  const raster = await openRaster(file);
  try {
    return { raster, values: await raster.readWindow(0, 0, raster.width, raster.height) };
  } finally {
    await raster.close();
  }
}

/** Every decoded value of an image's first slice, through the repo's own reader. */
export async function readPixels(file: string): Promise<Float32Array> {
  return (await readRaster(file)).values;
}
