// Label morphology, per class, on a plane or a volume: smooth (median, opening, closing), remove small islands,
// fill holes, keep the largest component, grow and shrink. Each operation turns the class's pixels into a new set;
// pixels that leave the class become unlabeled, and pixels that join it take it only where nothing was labeled,
// unless `overwrite` allows taking another class's pixels. Pure: typed arrays in, a new array out.
import { ArgumentError } from '../api/errors.ts';
import { MORPHOLOGY_OPERATIONS, UNLABELED, type MorphologyOperation, type MorphologyRequest } from '../api/types.ts';
import { forEachRegion, gridSize, type Grid } from './components.ts';
import { distanceToSetVolume } from './distance-transform.ts';

// The request is part of the API contract, so the workbench can ask the core for a volume's morphology.
export { MORPHOLOGY_OPERATIONS, type MorphologyOperation, type MorphologyRequest };

/** Operations that take a radius in pixels (voxels). */
export const RADIUS_OPERATIONS: readonly MorphologyOperation[] = ['median', 'open', 'close', 'grow', 'shrink'];

export interface MorphologyResult {
  /** The new labels (a new array, same size). */
  labels: Uint8Array<ArrayBuffer>;
  /** Pixels that joined the class. */
  added: number;
  /** Pixels that left it (now unlabeled). */
  removed: number;
}

const METHOD = 'morphology';

/** Refuses a request the operations cannot run, naming the argument and what it accepts. */
export function checkMorphologyRequest(request: MorphologyRequest, numClasses: number): void {
  if (!(MORPHOLOGY_OPERATIONS as readonly string[]).includes(request.operation)) {
    throw new ArgumentError(METHOD, 'operation', `must be one of ${MORPHOLOGY_OPERATIONS.join(', ')}, got ${JSON.stringify(request.operation)}`);
  }
  const c = request.classIndex;
  if (!Number.isInteger(c) || c < 0 || c >= numClasses || c === UNLABELED) {
    throw new ArgumentError(METHOD, 'class', `must be a class index from 0 to ${Math.min(numClasses, UNLABELED) - 1}, got ${c}`);
  }
  if (RADIUS_OPERATIONS.includes(request.operation)) wholeFromOne('radius', request.radius, 'pixels');
  if (request.operation === 'remove-islands') wholeFromOne('minSize', request.minSize, 'pixels (the smallest island kept)');
}

function wholeFromOne(argument: string, value: number | undefined, unit: string): void {
  if (value === undefined || !Number.isInteger(value) || value < 1) {
    throw new ArgumentError(METHOD, argument, `must be a whole number of ${unit}, 1 or more, got ${value}`);
  }
}

/**
 * Runs one operation on one class. `numClasses` bounds the class index. Only the class's bounding box, widened by
 * as far as the operation reaches, is worked on: nothing beyond it can change, and a class painted in one corner
 * of a large image costs what its corner costs.
 */
export function applyMorphology(labels: Uint8Array, grid: Grid, numClasses: number, request: MorphologyRequest): MorphologyResult {
  checkMorphologyRequest(request, numClasses);
  const total = gridSize(grid);
  if (labels.length !== total) throw new RangeError(`morphology: ${labels.length} labels for a grid of ${total}`);
  const c = request.classIndex;
  const out = Uint8Array.from(labels);
  // Grow, close and median reach r pixels; median's window must also lie whole inside the box to count right.
  const reach = RADIUS_OPERATIONS.includes(request.operation) ? 2 * (request.radius ?? 0) + 1 : 1;
  const box = classBox(labels, grid, c, reach);
  if (!box) return { labels: out, added: 0, removed: 0 };

  const { width, height } = grid;
  const boxGrid: Grid = { width: box.x1 - box.x0, height: box.y1 - box.y0, depth: box.z1 - box.z0 };
  const inClass = new Uint8Array(gridSize(boxGrid));
  const forEachBoxPixel = (visit: (i: number, b: number) => void) => {
    let b = 0;
    for (let z = box.z0; z < box.z1; z++) {
      for (let y = box.y0; y < box.y1; y++) {
        const row = (z * height + y) * width;
        for (let x = box.x0; x < box.x1; x++, b++) visit(row + x, b);
      }
    }
  };
  forEachBoxPixel((i, b) => (inClass[b] = labels[i] === c ? 1 : 0));
  const wanted = classAfter(inClass, boxGrid, request);

  let added = 0;
  let removed = 0;
  forEachBoxPixel((i, b) => {
    if (inClass[b] === wanted[b]) return;
    if (inClass[b]) {
      out[i] = UNLABELED;
      removed++;
    } else if (request.overwrite || labels[i] === UNLABELED) {
      out[i] = c;
      added++;
    }
  });
  return { labels: out, added, removed };
}

interface Box {
  x0: number;
  y0: number;
  z0: number;
  x1: number;
  y1: number;
  z1: number;
}

/** The bounding box (ends exclusive) of the class's pixels, widened by `margin` and clipped to the grid; null without any. */
function classBox(labels: Uint8Array, grid: Grid, c: number, margin: number): Box | null {
  const { width, height } = grid;
  const depth = grid.depth ?? 1;
  let x0 = width, y0 = height, z0 = depth, x1 = -1, y1 = -1, z1 = -1;
  for (let z = 0, i = 0; z < depth; z++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        if (labels[i] !== c) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        if (z < z0) z0 = z;
        z1 = z;
      }
    }
  }
  if (x1 < 0) return null;
  const zMargin = depth > 1 ? margin : 0;
  return {
    x0: Math.max(0, x0 - margin),
    y0: Math.max(0, y0 - margin),
    z0: Math.max(0, z0 - zMargin),
    x1: Math.min(width, x1 + 1 + margin),
    y1: Math.min(height, y1 + 1 + margin),
    z1: Math.min(depth, z1 + 1 + zMargin),
  };
}

/** The class's pixels after the operation, as a 0/1 mask. */
function classAfter(set: Uint8Array, grid: Grid, request: MorphologyRequest): Uint8Array {
  const r = request.radius ?? 0;
  switch (request.operation) {
    case 'median':
      return median(set, grid, r);
    case 'open':
      return dilate(erode(set, grid, r), grid, r);
    case 'close':
      return close(set, grid, r);
    case 'grow':
      return dilate(set, grid, r);
    case 'shrink':
      return erode(set, grid, r);
    case 'remove-islands':
      return withoutSmallRegions(set, grid, request.minSize ?? 1);
    case 'keep-largest':
      return largestRegion(set, grid);
    case 'fill-holes':
      return withHolesFilled(set, grid);
  }
}

/** Pixels within Euclidean distance r of the set. */
function dilate(set: Uint8Array, grid: Grid, r: number): Uint8Array {
  const distance = distanceToSetVolume(set, grid.width, grid.height, grid.depth ?? 1);
  const out = new Uint8Array(set.length);
  for (let i = 0; i < set.length; i++) out[i] = distance[i] <= r ? 1 : 0;
  return out;
}

/** Pixels of the set farther than r from every pixel outside it (the grid's edge does not erode). */
function erode(set: Uint8Array, grid: Grid, r: number): Uint8Array {
  const outside = new Uint8Array(set.length);
  for (let i = 0; i < set.length; i++) outside[i] = set[i] ? 0 : 1;
  const distance = distanceToSetVolume(outside, grid.width, grid.height, grid.depth ?? 1);
  const out = new Uint8Array(set.length);
  for (let i = 0; i < set.length; i++) out[i] = distance[i] > r ? 1 : 0;
  return out;
}

/**
 * Dilation then erosion, on the grid padded by r on every side: what the dilation spills past the edge must be
 * there for the erosion to take back, or a shape near the edge would swell into it.
 */
function close(set: Uint8Array, grid: Grid, r: number): Uint8Array {
  const { width, height } = grid;
  const depth = grid.depth ?? 1;
  const pz = depth > 1 ? r : 0;
  const padded: Grid = { width: width + 2 * r, height: height + 2 * r, depth: depth + 2 * pz };
  const big = new Uint8Array(gridSize(padded));
  const at = (x: number, y: number, z: number) => ((z + pz) * padded.height + y + r) * padded.width + x + r;
  for (let z = 0, i = 0; z < depth; z++) for (let y = 0; y < height; y++, i += width) big.set(set.subarray(i, i + width), at(0, y, z));
  const closed = erode(dilate(big, padded, r), padded, r);
  const out = new Uint8Array(set.length);
  for (let z = 0, i = 0; z < depth; z++) for (let y = 0; y < height; y++, i += width) out.set(closed.subarray(at(0, y, z), at(0, y, z) + width), i);
  return out;
}

/**
 * Binary median over a square (cube in a volume) window of side 2r+1, clipped at the grid's edges: a pixel is in
 * the set when more than half its window is; a tie keeps it as it was. Separable running sums, so the cost does
 * not grow with r.
 */
function median(set: Uint8Array, grid: Grid, r: number): Uint8Array {
  const { width, height } = grid;
  const depth = grid.depth ?? 1;
  const counts = Int32Array.from(set);
  boxSumAlong(counts, width, 1, height * depth, (i) => i * width, r);
  boxSumAlong(counts, height, width, width * depth, (i) => Math.floor(i / width) * width * height + (i % width), r);
  if (depth > 1) boxSumAlong(counts, depth, width * height, width * height, (i) => i, r);
  const out = new Uint8Array(set.length);
  const span = (k: number, n: number) => Math.min(n - 1, k + r) - Math.max(0, k - r) + 1;
  for (let z = 0, i = 0; z < depth; z++) {
    const sz = span(z, depth);
    for (let y = 0; y < height; y++) {
      const syz = sz * span(y, height);
      for (let x = 0; x < width; x++, i++) {
        const twice = 2 * counts[i];
        const window = syz * span(x, width);
        out[i] = twice > window || (twice === window && set[i]) ? 1 : 0;
      }
    }
  }
  return out;
}

/** Replaces each value by the sum over [k-r, k+r] along one axis (`count` lines of `length`, `stride` apart). */
function boxSumAlong(values: Int32Array, length: number, stride: number, count: number, start: (i: number) => number, r: number): void {
  const prefix = new Int32Array(length + 1);
  for (let i = 0; i < count; i++) {
    const base = start(i);
    for (let k = 0; k < length; k++) prefix[k + 1] = prefix[k] + values[base + k * stride];
    for (let k = 0; k < length; k++) values[base + k * stride] = prefix[Math.min(length, k + r + 1)] - prefix[Math.max(0, k - r)];
  }
}

/** The set without its connected regions (corner neighbours count) of fewer than minSize pixels. */
function withoutSmallRegions(set: Uint8Array, grid: Grid, minSize: number): Uint8Array {
  const out = Uint8Array.from(set);
  forEachRegion(set, grid, 'all', (members, size) => {
    if (size < minSize) for (let i = 0; i < size; i++) out[members[i]] = 0;
  }, (v) => v === 0);
  return out;
}

/** Only the largest connected region of the set (the first in raster order on a tie). */
function largestRegion(set: Uint8Array, grid: Grid): Uint8Array {
  let best: Int32Array | null = null;
  forEachRegion(set, grid, 'all', (members, size) => {
    if (!best || size > best.length) best = members.slice(0, size);
  }, (v) => v === 0);
  const out = new Uint8Array(set.length);
  for (const p of (best as Int32Array | null) ?? []) out[p] = 1;
  return out;
}

/**
 * The set with its holes: regions outside it (edge neighbours only, the dual of the set's corner neighbours) that
 * do not touch the grid's edge.
 */
function withHolesFilled(set: Uint8Array, grid: Grid): Uint8Array {
  const { width, height } = grid;
  const depth = grid.depth ?? 1;
  const plane = width * height;
  const onEdge = (p: number) => {
    const z = Math.floor(p / plane);
    const y = Math.floor((p - z * plane) / width);
    const x = p - z * plane - y * width;
    return x === 0 || y === 0 || x === width - 1 || y === height - 1 || (depth > 1 && (z === 0 || z === depth - 1));
  };
  const out = Uint8Array.from(set);
  forEachRegion(set, grid, 'faces', (members, size) => {
    for (let i = 0; i < size; i++) if (onEdge(members[i])) return;
    for (let i = 0; i < size; i++) out[members[i]] = 1;
  }, (v) => v === 1);
  return out;
}
