// Test-time augmentation: predict the flipped and rotated image, undo each transform on the prediction,
// and average the probabilities. Tiles are NHWC arrays (whichever engine predicts them); a 90° rotation swaps
// height and width, so the predictor must accept both orientations (fully convolutional models do).
import type { TileBatch, TilePredictor } from './tiler.ts';

export type TtaTransformName = 'identity' | 'flip-h' | 'flip-v' | 'rot90' | 'rot180' | 'rot270' | 'transpose' | 'anti-transpose';

type Remap = (batch: TileBatch) => TileBatch;

interface TtaTransform {
  apply: Remap;
  invert: Remap;
}

/** out[n, y, x] = in[n, source(y, x)], with the output `swapped` (height ↔ width) or not. */
function remap(swapped: boolean, source: (y: number, x: number, h: number, w: number) => number): Remap {
  return (batch) => {
    const { count, channels } = batch;
    const [h, w] = swapped ? [batch.width, batch.height] : [batch.height, batch.width];
    const plane = h * w * channels;
    const data = new Float32Array(batch.data.length);
    for (let n = 0; n < count; n++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const from = n * plane + source(y, x, batch.height, batch.width) * channels;
          data.set(batch.data.subarray(from, from + channels), n * plane + (y * w + x) * channels);
        }
      }
    }
    return { data, count, height: h, width: w, channels };
  };
}

// Sources are pixel indices in the input tile (inH × inW); for swapped outputs y runs along the input's width.
const identityMap: Remap = (b) => ({ ...b, data: b.data.slice() });
const flipH = remap(false, (y, x, _h, w) => y * w + (w - 1 - x));
const flipV = remap(false, (y, x, h, w) => (h - 1 - y) * w + x);
const rot180 = remap(false, (y, x, h, w) => (h - 1 - y) * w + (w - 1 - x));
const transpose = remap(true, (y, x, _h, w) => x * w + y);
// Clockwise quarter turn: out[y][x] = in[H − 1 − x][y]; its inverse, the counter-clockwise one: in[x][W − 1 − y].
const rot90 = remap(true, (y, x, h, w) => (h - 1 - x) * w + y);
const rot270 = remap(true, (y, x, _h, w) => x * w + (w - 1 - y));
const antiTranspose = remap(true, (y, x, h, w) => (h - 1 - x) * w + (w - 1 - y));

const TRANSFORMS: Record<TtaTransformName, TtaTransform> = {
  identity: { apply: identityMap, invert: identityMap },
  'flip-h': { apply: flipH, invert: flipH },
  'flip-v': { apply: flipV, invert: flipV },
  rot90: { apply: rot90, invert: rot270 },
  rot180: { apply: rot180, invert: rot180 },
  rot270: { apply: rot270, invert: rot90 },
  transpose: { apply: transpose, invert: transpose },
  'anti-transpose': { apply: antiTranspose, invert: antiTranspose },
};

/** All 8 symmetries of the square. */
export const DIHEDRAL: readonly TtaTransformName[] = Object.keys(TRANSFORMS) as TtaTransformName[];
/** The cheap subset: flips only, no change of orientation. */
export const FLIPS: readonly TtaTransformName[] = ['identity', 'flip-h', 'flip-v', 'rot180'];

export function parseTtaTransforms(spec: string): TtaTransformName[] {
  if (spec === 'dihedral') return [...DIHEDRAL];
  if (spec === 'flips') return [...FLIPS];
  const names = spec.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(n in TRANSFORMS)) throw new Error(`unknown test-time transform "${n}": choose dihedral, flips, or a list of ${DIHEDRAL.join(', ')}`);
  }
  return names as TtaTransformName[];
}

/** Sum (and, when asked, sum of squares) of the un-transformed predictions. */
async function accumulate(predict: TilePredictor, x: TileBatch, names: readonly TtaTransformName[], squares: boolean) {
  if (names.length === 0) throw new Error('test-time augmentation needs at least one transform');
  let sum: TileBatch | null = null;
  let sumSq: Float32Array | null = null;
  for (const name of names) {
    const t = TRANSFORMS[name];
    if (!t) throw new Error(`unknown test-time transform "${name}": choose one of ${DIHEDRAL.join(', ')}`);
    const y = t.invert(await predict(t.apply(x)));
    if (!sum) sum = { ...y, data: new Float32Array(y.data.length) };
    if (squares) sumSq ??= new Float32Array(y.data.length);
    for (let i = 0; i < y.data.length; i++) {
      const v = y.data[i]!;
      sum.data[i]! += v;
      if (sumSq) sumSq[i]! += v * v;
    }
  }
  return { sum: sum!, sumSq };
}

/** Mean prediction over the transforms (all 8 dihedral ones by default). */
export async function predictWithTta(predict: TilePredictor, x: TileBatch, transforms: readonly TtaTransformName[] = DIHEDRAL): Promise<TileBatch> {
  const { sum } = await accumulate(predict, x, transforms, false);
  for (let i = 0; i < sum.data.length; i++) sum.data[i]! /= transforms.length;
  return sum;
}

/** Mean and per-class population variance across the transforms' predictions. */
export async function predictWithTtaVariance(
  predict: TilePredictor,
  x: TileBatch,
  transforms: readonly TtaTransformName[] = DIHEDRAL,
): Promise<{ mean: TileBatch; variance: TileBatch }> {
  const { sum, sumSq } = await accumulate(predict, x, transforms, true);
  const n = transforms.length;
  const variance = new Float32Array(sum.data.length);
  for (let i = 0; i < sum.data.length; i++) {
    const mean = sum.data[i]! / n;
    sum.data[i] = mean;
    // E[y²] − E[y]² can dip below 0 by rounding; variance cannot.
    variance[i] = Math.max(0, sumSq![i]! / n - mean * mean);
  }
  return { mean: sum, variance: { ...sum, data: variance } };
}
