// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled Functions",
// 2012): the squared distance is separable, so a 1-D lower envelope of parabolas along every column and then along
// every row gives each pixel's exact distance to the nearest set pixel in linear time.

/**
 * Each pixel's Euclidean distance to the nearest pixel where `set[i] !== 0` (0 on the set); Infinity everywhere
 * when the set is empty. `set` is row-major, width × height.
 */
export function distanceToSet(set: Uint8Array, width: number, height: number): Float32Array {
  if (set.length !== width * height) throw new RangeError(`distanceToSet: ${set.length} values for a ${width}×${height} plane`);
  // "No set pixel on this line": more than any real squared distance, yet small enough to keep the algebra exact.
  const far = width * width + height * height + 1;
  const squared = new Float64Array(width * height);
  let empty = true;
  for (let i = 0; i < set.length; i++) {
    if (set[i] !== 0) {
      squared[i] = 0;
      empty = false;
    } else {
      squared[i] = far;
    }
  }
  const out = new Float32Array(width * height);
  if (empty) return out.fill(Infinity);

  const n = Math.max(width, height);
  const line = new Float64Array(n);
  const result = new Float64Array(n);
  const parabolas = new Int32Array(n);
  const boundaries = new Float64Array(n + 1);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) line[y] = squared[y * width + x]!;
    lowerEnvelope(line, height, result, parabolas, boundaries);
    for (let y = 0; y < height; y++) squared[y * width + x] = result[y]!;
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) line[x] = squared[row + x]!;
    lowerEnvelope(line, width, result, parabolas, boundaries);
    for (let x = 0; x < width; x++) out[row + x] = Math.sqrt(result[x]!);
  }
  return out;
}

/**
 * The same for a volume of `depth` slices (slice-major, each slice row-major): each voxel's Euclidean distance, in
 * voxels, to the nearest set voxel; one more envelope pass along the slices. Infinity everywhere when the set is empty.
 */
export function distanceToSetVolume(set: Uint8Array, width: number, height: number, depth: number): Float32Array {
  if (set.length !== width * height * depth) throw new RangeError(`distanceToSetVolume: ${set.length} values for a ${width}×${height}×${depth} volume`);
  const far = width * width + height * height + depth * depth + 1;
  const squared = new Float64Array(set.length);
  let empty = true;
  for (let i = 0; i < set.length; i++) {
    if (set[i] !== 0) empty = false;
    else squared[i] = far;
  }
  const out = new Float32Array(set.length);
  if (empty) return out.fill(Infinity);

  const n = Math.max(width, height, depth);
  const line = new Float64Array(n);
  const result = new Float64Array(n);
  const parabolas = new Int32Array(n);
  const boundaries = new Float64Array(n + 1);
  // One pass along each axis: `count` lines of `length` values, `stride` apart, starting where `start(i)` says.
  const pass = (count: number, length: number, stride: number, start: (i: number) => number) => {
    for (let i = 0; i < count; i++) {
      const base = start(i);
      for (let k = 0; k < length; k++) line[k] = squared[base + k * stride]!;
      lowerEnvelope(line, length, result, parabolas, boundaries);
      for (let k = 0; k < length; k++) squared[base + k * stride] = result[k]!;
    }
  };
  const plane = width * height;
  pass(height * depth, width, 1, (i) => i * width);
  pass(width * depth, height, width, (i) => Math.floor(i / width) * plane + (i % width));
  if (depth > 1) pass(plane, depth, plane, (i) => i);
  for (let i = 0; i < set.length; i++) out[i] = Math.sqrt(squared[i]!);
  return out;
}

/** result[q] = min over p of (q - p)² + f[p], for q < n: the lower envelope of the parabolas rooted at (p, f[p]). */
function lowerEnvelope(f: Float64Array, n: number, result: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = intersection(f, v[k]!, q);
    while (s <= z[k]!) s = intersection(f, v[--k]!, q);
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1]! < q) k++;
    const p = v[k]!;
    result[q] = (q - p) * (q - p) + f[p]!;
  }
}

/** Where the parabolas rooted at p and q (p < q) cross. */
function intersection(f: Float64Array, p: number, q: number): number {
  return (f[q]! + q * q - (f[p]! + p * p)) / (2 * (q - p));
}
