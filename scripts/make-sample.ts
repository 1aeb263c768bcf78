// Builds the bundled sample project (resources/sample) from ../shared/data/isbi2012-membrane:
// a few EM images cropped to 256×256, each with partial labels (scribbles) taken from the ground truth,
// so a newcomer can press Train at once. Run: node bin/run-ts.js scripts/make-sample.ts
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { readImage, readMask, writeAtomic, writeMaskPng } from '../src/io/index.ts';
import { Rng } from '../src/training/rng.ts';

const root = path.resolve(import.meta.dirname, '..');
const source = path.resolve(root, '../shared/data/isbi2012-membrane/train');
const out = path.join(root, 'resources/sample');
const SIZE = 256;
const rng = new Rng(2012);

for (const name of ['0', '3', '7', '11', '15', '19']) {
  const image = await readImage(path.join(source, 'image', `${name}.png`));
  const truth = await readMask(path.join(source, 'label', `${name}.png`), { labelValues: [0, 255] });
  const x0 = 128;
  const y0 = 128;
  const png = new PNG({ width: SIZE, height: SIZE, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  const gray = Buffer.alloc(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) gray[y * SIZE + x] = image.data[((y0 + y) * image.width + x0 + x) * image.bands]!;
  png.data = gray;
  await writeAtomic(path.join(out, 'images', `em-${name}.png`), PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false }));
  // The last image stays unlabeled: the dataset browser then shows all three states.
  if (name === '19') continue;
  const mask = new Uint8Array(SIZE * SIZE).fill(255);
  for (let stroke = 0; stroke < 6; stroke++) {
    let x = rng.next() * SIZE;
    let y = rng.next() * SIZE;
    const angle = rng.next() * Math.PI * 2;
    for (let step = 0; step < 120; step++) {
      x += Math.cos(angle);
      y += Math.sin(angle);
      for (let dy = -2; dy <= 2; dy++) {
        for (let dx = -2; dx <= 2; dx++) {
          const px = Math.round(x + dx);
          const py = Math.round(y + dy);
          if (px < 0 || py < 0 || px >= SIZE || py >= SIZE) continue;
          mask[py * SIZE + px] = truth.data[(y0 + py) * truth.width + x0 + px]!;
        }
      }
    }
  }
  await writeMaskPng(path.join(out, 'labels', `em-${name}.png`), SIZE, SIZE, mask);
}
console.log(`sample written to ${out}`);
