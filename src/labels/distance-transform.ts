// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012): the squared distance as the lower envelope
// of parabolas, one pass over the columns and one over the rows, linear in the pixel count.

/** Far enough to be "no set pixel on this line" yet finite, so the parabola intersections stay finite. */
const FAR = 1e20;

/** Each pixel's distance to the nearest pixel where `set` is non-zero; Infinity everywhere when the set is empty. */
export function distanceToSet(set: Uint8Array, width: number, height: number): Float32Array {
  const squared = new Float64Array(width * height);
  for (let i = 0; i < squared.length; i++) squared[i] = set[i] ? 0 : FAR;
  const line = new Float64Array(Math.max(width, height));
  const out = new Float64Array(line.length);
  const scratch = { v: new Int32Array(line.length), z: new Float64Array(line.length + 1) };
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) line[y] = squared[y * width + x]!;
    envelope(line, height, out, scratch);
    for (let y = 0; y < height; y++) squared[y * width + x] = out[y]!;
  }
  const result = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) line[x] = squared[y * width + x]!;
    envelope(line, width, out, scratch);
    for (let x = 0; x < width; x++) result[y * width + x] = out[x]! >= FAR ? Infinity : Math.sqrt(out[x]!);
  }
  return result;
}

/** 1-D squared distance transform of f[0..n): out[q] = min_p (q − p)² + f[p]. */
function envelope(f: Float64Array, n: number, out: Float64Array, scratch: { v: Int32Array; z: Float64Array }): void {
  const { v, z } = scratch;
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    // z[0] is −∞, so this stops at k = 0 at the latest (values are finite: FAR, not Infinity).
    let s = intersection(f, q, v[k]!);
    while (s <= z[k]!) s = intersection(f, q, v[--k]!);
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const p = v[k]!;
    out[q] = (q - p) * (q - p) + f[p]!;
  }
}

/** Where the parabolas rooted at q and p (p < q) cross. */
function intersection(f: Float64Array, q: number, p: number): number {
  return (f[q]! + q * q - (f[p]! + p * p)) / (2 * q - 2 * p);
}
