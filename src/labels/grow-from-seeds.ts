// Grow from seeds: the geodesic (FastGrowCut) form of competitive region growing that 3D Slicer's "Grow from
// seeds" uses. Every seeded class spreads from its strokes along the cheapest paths, an edge costing the intensity
// difference between neighbours; each unlabeled pixel takes the class whose path reaches it first (Dijkstra, one
// indexed binary heap on typed arrays). Seeds never change. Pure: typed arrays in, typed arrays out, 2D or 3D.
//
// On textured images (EM, aerial) the differences of texture add up along long paths until crossing a real edge
// is cheaper, so each step also pays how unlikely the voxel's intensity is for the growing class (seed-likelihood.ts):
// a class runs cheaply through what looks like its own seeds.
import { UserError } from '../api/errors.ts';
import { UNLABELED } from '../api/types.ts';
import { seedLikelihoods } from './seed-likelihood.ts';

/** Pixel-interleaved intensities (index = voxel * bands + band) of a width × height × depth grid. */
export interface GrowImage {
  values: Float32Array;
  width: number;
  height: number;
  /** Slices of a volume; 1 (the default) for a plane. */
  depth?: number;
  bands: number;
}

/** A box of the grid (a rectangle on a plane: z 0, depth 1). */
export interface GrowBox {
  x: number;
  y: number;
  z?: number;
  width: number;
  height: number;
  depth?: number;
}

export interface GrowOptions {
  /** Plane connectivity: 4 (default) or 8. Volumes always use 6 neighbours. */
  neighbours?: 4 | 8;
  /** Only voxels inside grow; seeds outside it are not used, voxels outside it are returned as they were. */
  roi?: GrowBox;
}

/**
 * A small cost per step on top of the intensity difference, so that inside a flat region the nearer seed wins
 * instead of whichever the heap happened to pop first. Intensities are in robust-spread units, so this is 1/1000
 * of a typical contrast.
 */
const STEP_COST = 1e-3;

/** Weight of the likelihood term (−log P(class | intensity) per step) against the intensity difference. */
const LIKELIHOOD_WEIGHT = 1;

/**
 * Grids of more voxels than this grow coarse to fine: first on a grid halved in x and y (volumes keep their slices),
 * then again at full resolution only in a band around the coarse result's class boundaries. A 2048² plane costs
 * about a 1024² one plus its edges.
 */
const COARSE_ABOVE = 1024 * 1024;
/** Half-width of the band re-grown at full resolution around a coarse boundary, in full-resolution pixels. */
const REFINE_RADIUS = 3;

interface Grid {
  /** Per voxel `bands` normalised intensities, then each seeded class's cost of stepping onto it (its unlikeliness). */
  values: Float32Array;
  bands: number;
  classes: number;
  /** The position of a class among the seeded ones (its probability's offset), by class index. */
  slotOf: Int16Array;
  width: number;
  height: number;
  depth: number;
  connectivity: 4 | 6 | 8;
}

/**
 * The labels after growing: a copy of `labels` where every unlabeled voxel inside the ROI carries the class of the
 * seed that reaches it most cheaply. Throws a UserError when the ROI holds seeds of fewer than two classes.
 */
export function growFromSeeds(image: GrowImage, labels: Uint8Array, options: GrowOptions = {}): Uint8Array {
  const { width, height, bands } = image;
  const depth = image.depth ?? 1;
  const count = width * height * depth;
  if (labels.length !== count) throw new RangeError(`labels have ${labels.length} values, the image ${count} (${width}×${height}×${depth})`);
  if (image.values.length !== count * bands) throw new RangeError(`image has ${image.values.length} values, expected ${count * bands}`);
  const box = clipBox(options.roi, width, height, depth);
  const seeds = cropped(labels, 1, width, height, box);
  requireTwoClasses(seeds, options.roi !== undefined);
  const intensity = normalised(cropped(image.values, bands, width, height, box), bands);
  const likelihood = seedLikelihoods(intensity, bands, seeds);
  const grid: Grid = {
    values: interleaved(intensity, bands, likelihood.unlikeliness, likelihood.classes.length),
    bands,
    classes: likelihood.classes.length,
    slotOf: likelihood.slotOf,
    width: box.width,
    height: box.height,
    depth: box.depth,
    connectivity: depth > 1 ? 6 : (options.neighbours ?? 4),
  };
  const out = labels.slice();
  paste(out, width, height, box, grow(grid, seeds));
  return out;
}

/**
 * The grown labels to accept onto `labels` as they are now: labeled pixels keep their class (a stroke painted while
 * the preview was on its way is not overwritten), unlabeled ones take the grown class.
 */
export function grownOntoUnlabeled(labels: Uint8Array, grown: Uint8Array): Uint8Array {
  if (grown.length !== labels.length) throw new RangeError(`grown plane has ${grown.length} values, the labels ${labels.length}`);
  const out = grown.slice();
  for (let i = 0; i < out.length; i++) if (labels[i] !== UNLABELED) out[i] = labels[i];
  return out;
}

/** Grows every unlabeled voxel of the grid from its labeled ones, coarse to fine on large planes. */
function grow(grid: Grid, seeds: Uint8Array): Uint8Array {
  if (grid.width * grid.height * grid.depth <= COARSE_ABOVE || grid.width < 4 || grid.height < 4) return propagate(grid, seeds.slice());
  const coarse = halved(grid, seeds);
  const grown = upsampled(grow(coarse.grid, coarse.seeds), coarse.grid, grid);
  // Seeds stay; pixels near a coarse boundary are grown again at full resolution from the settled pixels around them.
  const band = boundaryBand(grown, grid, REFINE_RADIUS);
  for (let i = 0; i < grown.length; i++) grown[i] = seeds[i] !== UNLABELED ? seeds[i] : band[i] ? UNLABELED : grown[i];
  return propagate(grid, grown);
}

/**
 * Dijkstra from the labeled voxels into the unlabeled ones, in place: each unlabeled voxel takes the class of the
 * cheapest path reaching it. Only labeled voxels next to an unlabeled one enter the heap.
 */
function propagate(grid: Grid, labels: Uint8Array): Uint8Array {
  const { values, bands, classes, slotOf, width, height, depth } = grid;
  const stride = bands + classes;
  const count = width * height * depth;
  const plane = width * height;
  const { dx, dy, dz, step } = neighbourOffsets(grid.connectivity);
  const n = dx.length;
  const dist = new Float32Array(count).fill(Infinity);
  const heap = new IndexedHeap(count, dist);
  const settled = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    if (labels[i] === UNLABELED) continue;
    settled[i] = 1;
    dist[i] = 0;
  }
  for (let i = 0; i < count; i++) if (settled[i] && touchesUnlabeled(labels, grid, i)) heap.push(i);
  while (heap.size > 0) {
    const p = heap.pop();
    const z = (p / plane) | 0;
    const inPlane = p - z * plane;
    const y = (inPlane / width) | 0;
    const x = inPlane - y * width;
    const base = dist[p];
    const label = labels[p];
    const unlikeliness = bands + slotOf[label];
    for (let k = 0; k < n; k++) {
      const nx = x + dx[k];
      const ny = y + dy[k];
      const nz = z + dz[k];
      if (nx < 0 || ny < 0 || nz < 0 || nx >= width || ny >= height || nz >= depth) continue;
      const q = p + dx[k] + dy[k] * width + dz[k] * plane;
      if (settled[q]) continue;
      const a = p * stride;
      const b = q * stride;
      const edge = bands === 1 ? Math.abs(values[a] - values[b]) : edgeCost(values, bands, a, b);
      const d = base + edge + values[b + unlikeliness] + step[k];
      if (d < dist[q]) {
        dist[q] = d;
        labels[q] = label;
        heap.update(q);
      }
    }
  }
  return labels;
}

function touchesUnlabeled(labels: Uint8Array, grid: Grid, i: number): boolean {
  const { width, height } = grid;
  const plane = width * height;
  const inPlane = i % plane;
  const x = inPlane % width;
  const y = (inPlane - x) / width;
  const z = (i - inPlane) / plane;
  return (
    (x > 0 && labels[i - 1] === UNLABELED) ||
    (x < width - 1 && labels[i + 1] === UNLABELED) ||
    (y > 0 && labels[i - width] === UNLABELED) ||
    (y < height - 1 && labels[i + width] === UNLABELED) ||
    (z > 0 && labels[i - plane] === UNLABELED) ||
    (z < grid.depth - 1 && labels[i + plane] === UNLABELED)
  );
}

/** The grid at half its width and height (volumes keep their slices): values averaged, a cell seeded by any of its seeds. */
function halved(grid: Grid, seeds: Uint8Array): { grid: Grid; seeds: Uint8Array } {
  const { values, width, height, depth } = grid;
  const stride = grid.bands + grid.classes;
  const w = Math.ceil(width / 2);
  const h = Math.ceil(height / 2);
  const sums = new Float32Array(w * h * depth * stride);
  const counts = new Uint8Array(w * h * depth);
  const coarseSeeds = new Uint8Array(w * h * depth).fill(UNLABELED);
  for (let z = 0; z < depth; z++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (z * height + y) * width + x;
        const c = (z * h + (y >> 1)) * w + (x >> 1);
        counts[c]++;
        for (let b = 0; b < stride; b++) sums[c * stride + b] += values[i * stride + b];
        if (seeds[i] !== UNLABELED) coarseSeeds[c] = seeds[i];
      }
    }
  }
  for (let c = 0; c < counts.length; c++) for (let b = 0; b < stride; b++) sums[c * stride + b] /= counts[c];
  return { grid: { ...grid, values: sums, width: w, height: h }, seeds: coarseSeeds };
}

/** Coarse labels spread back to the fine grid, each coarse cell to its 2 × 2 pixels. */
function upsampled(labels: Uint8Array, coarse: Grid, fine: Grid): Uint8Array {
  const out = new Uint8Array(fine.width * fine.height * fine.depth);
  for (let z = 0; z < fine.depth; z++) {
    for (let y = 0; y < fine.height; y++) {
      const row = (z * coarse.height + (y >> 1)) * coarse.width;
      const at = (z * fine.height + y) * fine.width;
      for (let x = 0; x < fine.width; x++) out[at + x] = labels[row + (x >> 1)];
    }
  }
  return out;
}

/** 1 within `radius` (in x and y) of a pixel whose right or lower neighbour has another class. */
function boundaryBand(labels: Uint8Array, grid: Grid, radius: number): Uint8Array {
  const { width, height, depth } = grid;
  const band = new Uint8Array(labels.length);
  for (let z = 0; z < depth; z++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (z * height + y) * width + x;
        const edge = (x + 1 < width && labels[i + 1] !== labels[i]) || (y + 1 < height && labels[i + width] !== labels[i]);
        if (!edge) continue;
        for (let by = Math.max(0, y - radius); by <= Math.min(height - 1, y + radius); by++) {
          const row = (z * height + by) * width;
          band.fill(1, row + Math.max(0, x - radius), row + Math.min(width, x + radius + 2));
        }
      }
    }
  }
  return band;
}

/** The classes seeded, or a UserError that says two are needed (inside the region, when one limits the growth). */
function requireTwoClasses(seeds: Uint8Array, inRegion: boolean): void {
  const seen = new Set<number>();
  for (let i = 0; i < seeds.length; i++) {
    if (seeds[i] === UNLABELED) continue;
    seen.add(seeds[i]);
    if (seen.size >= 2) return;
  }
  const found = seen.size === 0 ? 'none' : 'only one';
  const where = inRegion ? ' inside the region of interest' : '';
  throw new UserError(`Grow from seeds needs strokes of at least two classes${where}; found ${found}. Paint a few strokes of each class${where} first.`);
}

function clipBox(roi: GrowBox | undefined, width: number, height: number, depth: number): Required<GrowBox> {
  if (!roi) return { x: 0, y: 0, z: 0, width, height, depth };
  const x0 = Math.max(0, Math.floor(roi.x));
  const y0 = Math.max(0, Math.floor(roi.y));
  const z0 = Math.max(0, Math.floor(roi.z ?? 0));
  const x1 = Math.min(width, Math.floor(roi.x + roi.width));
  const y1 = Math.min(height, Math.floor(roi.y + roi.height));
  const z1 = Math.min(depth, Math.floor((roi.z ?? 0) + (roi.depth ?? depth)));
  if (x1 <= x0 || y1 <= y0 || z1 <= z0) throw new UserError(`Grow from seeds: the region (${roi.x}, ${roi.y}, ${roi.width}×${roi.height}) lies outside the ${width}×${height} image`);
  return { x: x0, y: y0, z: z0, width: x1 - x0, height: y1 - y0, depth: z1 - z0 };
}

/** The box's voxels of a width × height × depth array with `bands` values per voxel. */
function cropped<T extends Float32Array | Uint8Array>(values: T, bands: number, width: number, height: number, box: Required<GrowBox>): T {
  if (box.width === width && box.height === height && box.x === 0 && box.y === 0 && box.z === 0 && values.length === box.depth * width * height * bands) return values;
  const out = new (values.constructor as new (n: number) => T)(box.width * box.height * box.depth * bands);
  for (let z = 0; z < box.depth; z++) {
    for (let y = 0; y < box.height; y++) {
      const from = (((box.z + z) * height + box.y + y) * width + box.x) * bands;
      out.set(values.subarray(from, from + box.width * bands), (z * box.height + y) * box.width * bands);
    }
  }
  return out;
}

function paste(target: Uint8Array, width: number, height: number, box: Required<GrowBox>, values: Uint8Array): void {
  for (let z = 0; z < box.depth; z++) {
    for (let y = 0; y < box.height; y++) {
      const from = (z * box.height + y) * box.width;
      target.set(values.subarray(from, from + box.width), ((box.z + z) * height + box.y + y) * width + box.x);
    }
  }
}

/**
 * Intensities and each class's weighted unlikeliness (−weight · log P) side by side per voxel, so coarsening and the
 * inner loop read one array.
 */
function interleaved(intensity: Float32Array, bands: number, unlikeliness: Float32Array, classes: number): Float32Array {
  const count = intensity.length / bands;
  const stride = bands + classes;
  const out = new Float32Array(count * stride);
  // Plain index loops: a subarray per voxel would allocate millions of views on a 2048² plane.
  for (let i = 0; i < count; i++) {
    for (let b = 0; b < bands; b++) out[i * stride + b] = intensity[i * bands + b];
    for (let c = 0; c < classes; c++) out[i * stride + bands + c] = LIKELIHOOD_WEIGHT * unlikeliness[i * classes + c];
  }
  return out;
}

/**
 * Each band divided by its robust spread (the 5–95 % percentile range of a sample), so a 0–255 band and a
 * Hounsfield band weigh alike. Values that are not finite (nodata) become 0.
 */
function normalised(values: Float32Array, bands: number): Float32Array {
  const count = values.length / bands;
  const out = new Float32Array(values.length);
  for (let b = 0; b < bands; b++) {
    const scale = 1 / robustSpread(values, bands, b, count);
    for (let i = b; i < values.length; i += bands) {
      const v = values[i];
      out[i] = Number.isFinite(v) ? v * scale : 0;
    }
  }
  return out;
}

function robustSpread(values: Float32Array, bands: number, band: number, count: number): number {
  const stride = Math.max(1, Math.floor(count / 100_000));
  const sample = new Float32Array(Math.ceil(count / stride));
  let n = 0;
  for (let i = 0; i < count; i += stride) {
    const v = values[i * bands + band];
    if (Number.isFinite(v)) sample[n++] = v;
  }
  if (n === 0) return 1;
  const sorted = sample.subarray(0, n).sort();
  const spread = sorted[Math.floor((n - 1) * 0.95)] - sorted[Math.floor((n - 1) * 0.05)];
  if (spread > 0) return spread;
  // A nearly constant band: fall back to its full range, else leave it as it is.
  const full = sorted[n - 1] - sorted[0];
  return full > 0 ? full : 1;
}

/** Euclidean distance between the normalised band vectors starting at offsets a and b. */
function edgeCost(values: Float32Array, bands: number, a: number, b: number): number {
  let sum = 0;
  for (let k = 0; k < bands; k++) {
    const d = values[a + k] - values[b + k];
    sum += d * d;
  }
  return Math.sqrt(sum);
}

/** Offsets and step cost per neighbour, as typed arrays for the inner loop. */
function neighbourOffsets(connectivity: 4 | 6 | 8): { dx: Int32Array; dy: Int32Array; dz: Int32Array; step: Float32Array } {
  const faces = [[-1, 0, 0], [1, 0, 0], [0, -1, 0], [0, 1, 0]];
  const list = connectivity === 6 ? [...faces, [0, 0, -1], [0, 0, 1]] : connectivity === 8 ? [...faces, [-1, -1, 0], [1, -1, 0], [-1, 1, 0], [1, 1, 0]] : faces;
  return {
    dx: Int32Array.from(list, (o) => o[0]),
    dy: Int32Array.from(list, (o) => o[1]),
    dz: Int32Array.from(list, (o) => o[2]),
    step: Float32Array.from(list, (o) => STEP_COST * Math.hypot(o[0], o[1], o[2])),
  };
}

/** A binary min-heap of voxel indices keyed by `keys`, with decrease-key: at most one entry per voxel. */
class IndexedHeap {
  private readonly items: Int32Array;
  /** Position of each voxel in `items`, -1 when absent. */
  private readonly position: Int32Array;
  size = 0;

  constructor(capacity: number, private readonly keys: Float32Array) {
    this.items = new Int32Array(capacity);
    this.position = new Int32Array(capacity).fill(-1);
  }

  push(item: number): void {
    this.items[this.size] = item;
    this.position[item] = this.size;
    this.siftUp(this.size++);
  }

  /** Its key went down: moves it up, or adds it when absent. */
  update(item: number): void {
    const at = this.position[item];
    if (at < 0) this.push(item);
    else this.siftUp(at);
  }

  pop(): number {
    const top = this.items[0];
    this.position[top] = -1;
    const last = this.items[--this.size];
    if (this.size > 0) {
      this.items[0] = last;
      this.position[last] = 0;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(at: number): void {
    const { items, position, keys } = this;
    const item = items[at];
    const key = keys[item];
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const above = items[parent];
      if (keys[above] <= key) break;
      items[at] = above;
      position[above] = at;
      at = parent;
    }
    items[at] = item;
    position[item] = at;
  }

  private siftDown(at: number): void {
    const { items, position, keys, size } = this;
    const item = items[at];
    const key = keys[item];
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && keys[items[child + 1]] < keys[items[child]]) child++;
      const below = items[child];
      if (keys[below] >= key) break;
      items[at] = below;
      position[below] = at;
      at = child;
    }
    items[at] = item;
    position[item] = at;
  }
}
