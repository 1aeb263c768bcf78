// Fill between labeled slices of a volume by shape-based interpolation (Raya & Udupa 1990; Herman et al. 1992): each
// class's signed distance on two neighbouring key slices is blended linearly by position, and a pixel is inside
// where the blend is ≤ 0. A disc of radius 4 on one key and 12 on a key 8 slices on gives discs of radius 5, 6, … 11.
// Slices holding any label are keys and are never written; only the unlabeled slices between two keys are filled.
import { UserError } from '../api/errors.ts';
import { UNLABELED } from '../api/types.ts';
import { distanceToSet } from './distance-transform.ts';

/** One filled slice: its index along the axis and its full plane of labels. */
export interface FilledSlice {
  slice: number;
  labels: Uint8Array;
}

/**
 * Fills every run of unlabeled slices between two labeled ones. `planes[k]` is slice k's labels (width × height,
 * UNLABELED where nobody painted; null for a slice without labels). Where classes compete for a pixel, the one with
 * the smallest interpolated signed distance wins (the lower class index on a tie). A class present on only one of
 * two keys shrinks towards its centre line and is gone by the halfway slice.
 */
export function interpolateSlices(planes: readonly (Uint8Array | null)[], width: number, height: number): FilledSlice[] {
  const keys = planes.flatMap((plane, k) => (plane && plane.some((v) => v !== UNLABELED) ? [k] : []));
  if (keys.length < 2) {
    const found = keys.length === 0 ? 'none is labeled' : `only slice ${keys[0]! + 1} is labeled`;
    throw new UserError(`Interpolation needs two labeled slices with unlabeled slices between them; ${found}. Label another slice a few slices away, then interpolate.`);
  }
  const gaps = keys.slice(1).flatMap((b, i) => (b - keys[i]! > 1 ? [[keys[i]!, b] as const] : []));
  if (gaps.length === 0) {
    throw new UserError(`Interpolation fills unlabeled slices between labeled ones, but the labeled slices (${keys.map((k) => k + 1).join(', ')}) are next to each other; label slices a few apart.`);
  }
  const distances = new KeyDistances(planes, width, height);
  return gaps.flatMap(([a, b]) => fillGap(distances, a, b, width * height));
}

/** The slices strictly between keys a and b, each class blended from its signed distances on a and b. */
function fillGap(distances: KeyDistances, a: number, b: number, size: number): FilledSlice[] {
  const classes = [...new Set([...distances.classesOn(a), ...distances.classesOn(b)])].sort((x, y) => x - y);
  const pairs = classes.map((c) => {
    const onA = distances.signed(a, c);
    const onB = distances.signed(b, c);
    return { c, onA: onA ?? vanishing(onB!), onB: onB ?? vanishing(onA!) };
  });
  const filled: FilledSlice[] = [];
  for (let k = a + 1; k < b; k++) {
    const t = (k - a) / (b - a);
    const labels = new Uint8Array(size).fill(UNLABELED);
    const best = new Float32Array(size).fill(Infinity);
    for (const { c, onA, onB } of pairs) {
      for (let i = 0; i < size; i++) {
        const d = (1 - t) * onA[i]! + t * onB[i]!;
        if (d <= 0 && d < best[i]!) {
          best[i] = d;
          labels[i] = c;
        }
      }
    }
    filled.push({ slice: k, labels });
  }
  return filled;
}

/**
 * The signed distance a class absent from a key is given: the present shape's, raised so that the blend sd + t·D
 * leaves no pixel ≤ 0 from t = ½ on (D = 2·depth + 1, depth being the distance of its deepest pixel to the edge).
 */
function vanishing(present: Float32Array): Float32Array {
  let depth = 0;
  for (let i = 0; i < present.length; i++) depth = Math.max(depth, -present[i]!);
  const raise = 2 * depth + 1;
  return present.map((d) => d + raise);
}

/** Signed distances of each class on each key slice, computed once: a key between two gaps serves both. */
class KeyDistances {
  private readonly cache = new Map<string, Float32Array>();

  constructor(private readonly planes: readonly (Uint8Array | null)[], private readonly width: number, private readonly height: number) {}

  classesOn(k: number): number[] {
    const present = new Set<number>();
    for (const v of this.planes[k]!) if (v !== UNLABELED) present.add(v);
    return [...present];
  }

  /** Class c's signed distance on key k (negative inside, positive outside, the edge at 0); null when c is absent. */
  signed(k: number, c: number): Float32Array | null {
    const id = `${k}:${c}`;
    const cached = this.cache.get(id);
    if (cached) return cached;
    const plane = this.planes[k]!;
    const inside = plane.map((v) => (v === c ? 1 : 0));
    if (!inside.includes(1)) return null;
    const result = signedDistance(inside, this.width, this.height);
    this.cache.set(id, result);
    return result;
  }
}

/**
 * Distance to the class's edge, which runs half a pixel outside its outermost pixels: -(d_in - ½) inside, d_out - ½
 * outside, so a key slice blended with weight 1 gives back exactly its own pixels. A class covering the whole plane
 * has no edge; its depth is capped at the plane's size to keep the blend finite.
 */
export function signedDistance(inside: Uint8Array, width: number, height: number): Float32Array {
  const toInside = distanceToSet(inside, width, height);
  const toOutside = distanceToSet(inside.map((v) => (v ? 0 : 1)), width, height);
  const cap = width + height;
  return toInside.map((d, i) => (inside[i] ? -(Math.min(toOutside[i]!, cap) - 0.5) : d - 0.5));
}
