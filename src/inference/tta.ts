// Test-time augmentation: predict the flipped and rotated image, undo each transform on the prediction,
// and average the probabilities. Tensors are NHWC; a 90° rotation swaps height and width, so the
// predict function must accept both orientations (fully convolutional models do).
import * as tf from '@tensorflow/tfjs';

export type TtaTransformName = 'identity' | 'flip-h' | 'flip-v' | 'rot90' | 'rot180' | 'rot270' | 'transpose' | 'anti-transpose';

interface TtaTransform {
  apply(x: tf.Tensor4D): tf.Tensor4D;
  invert(y: tf.Tensor4D): tf.Tensor4D;
}

const transpose = (x: tf.Tensor4D): tf.Tensor4D => tf.transpose(x, [0, 2, 1, 3]);
const flipH = (x: tf.Tensor4D): tf.Tensor4D => tf.reverse(x, 2);
const flipV = (x: tf.Tensor4D): tf.Tensor4D => tf.reverse(x, 1);
const rot180 = (x: tf.Tensor4D): tf.Tensor4D => tf.reverse(x, [1, 2]);
// Clockwise quarter turn is transpose then horizontal flip; its inverse is the reverse order.
const rot90 = (x: tf.Tensor4D): tf.Tensor4D => flipH(transpose(x));
const rot270 = (x: tf.Tensor4D): tf.Tensor4D => flipV(transpose(x));

const TRANSFORMS: Record<TtaTransformName, TtaTransform> = {
  identity: { apply: (x) => x.clone(), invert: (y) => y.clone() },
  'flip-h': { apply: flipH, invert: flipH },
  'flip-v': { apply: flipV, invert: flipV },
  rot90: { apply: rot90, invert: rot270 },
  rot180: { apply: rot180, invert: rot180 },
  rot270: { apply: rot270, invert: rot90 },
  transpose: { apply: transpose, invert: transpose },
  'anti-transpose': { apply: (x) => rot180(transpose(x)), invert: (y) => rot180(transpose(y)) },
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

export type PredictFn = (x: tf.Tensor4D) => tf.Tensor4D;

/** Sum and sum of squares of the un-transformed predictions (the caller owns both). */
function accumulate(predict: PredictFn, x: tf.Tensor4D, names: readonly TtaTransformName[], squares: boolean) {
  if (names.length === 0) throw new Error('test-time augmentation needs at least one transform');
  let sum: tf.Tensor4D | null = null;
  let sumSq: tf.Tensor4D | null = null;
  for (const name of names) {
    const t = TRANSFORMS[name];
    if (!t) throw new Error(`unknown test-time transform "${name}": choose one of ${DIHEDRAL.join(', ')}`);
    const [nextSum, nextSq] = tf.tidy(() => {
      const y = t.invert(predict(t.apply(x)));
      const s = sum ? tf.add(sum, y) : y;
      const q = squares ? (sumSq ? tf.add(sumSq, tf.square(y)) : tf.square(y)) : null;
      return q ? [s as tf.Tensor4D, q as tf.Tensor4D] : [s as tf.Tensor4D];
    });
    sum?.dispose();
    sumSq?.dispose();
    sum = nextSum;
    sumSq = nextSq ?? null;
  }
  return { sum: sum!, sumSq };
}

/** Mean prediction over the transforms (all 8 dihedral ones by default). */
export function predictWithTta(predict: PredictFn, x: tf.Tensor4D, transforms: readonly TtaTransformName[] = DIHEDRAL): tf.Tensor4D {
  const { sum } = accumulate(predict, x, transforms, false);
  const mean = tf.div(sum, transforms.length) as tf.Tensor4D;
  sum.dispose();
  return mean;
}

/** Mean and per-class population variance across the transforms' predictions. */
export function predictWithTtaVariance(
  predict: PredictFn,
  x: tf.Tensor4D,
  transforms: readonly TtaTransformName[] = DIHEDRAL,
): { mean: tf.Tensor4D; variance: tf.Tensor4D } {
  const { sum, sumSq } = accumulate(predict, x, transforms, true);
  const result = tf.tidy(() => {
    const mean = tf.div(sum, transforms.length) as tf.Tensor4D;
    // E[y²] − E[y]² can dip below 0 by rounding; variance cannot.
    const variance = tf.relu(tf.sub(tf.div(sumSq!, transforms.length), tf.square(mean))) as tf.Tensor4D;
    return { mean, variance };
  });
  sum.dispose();
  sumSq!.dispose();
  return result;
}
