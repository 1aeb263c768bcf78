// Connected regions of equal values in a plane or a volume: the one rule behind small-island removal of
// predictions, label morphology (islands, holes, largest component) and selecting a predicted region.

/** A plane is a volume of depth 1; volumes are slice-major, each slice row-major. */
export interface Grid {
  width: number;
  height: number;
  depth?: number;
}

/**
 * Which pixels touch: 'faces' shares an edge (4 in a plane, 6 in a volume), 'all' also a corner (8 in a plane,
 * 26 in a volume).
 */
export type Neighbours = 'faces' | 'all';

/** A neighbourhood's steps as parallel arrays, with each step's index offset in the grid. */
interface NeighbourSteps {
  width: number;
  height: number;
  depth: number;
  dx: Int32Array;
  dy: Int32Array;
  dz: Int32Array;
  delta: Int32Array;
  /** Scratch for one pixel's neighbours. */
  found: Int32Array;
}

function neighbourSteps(grid: Grid, neighbours: Neighbours): NeighbourSteps {
  const { width, height } = grid;
  const depth = grid.depth ?? 1;
  const out: [number, number, number][] = [];
  const dzs = depth > 1 ? [-1, 0, 1] : [0];
  for (const dz of dzs) {
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const moved = Math.abs(dx) + Math.abs(dy) + Math.abs(dz);
        if (moved === 0 || (neighbours === 'faces' && moved > 1)) continue;
        out.push([dx, dy, dz]);
      }
    }
  }
  return {
    width,
    height,
    depth,
    dx: Int32Array.from(out, (s) => s[0]),
    dy: Int32Array.from(out, (s) => s[1]),
    dz: Int32Array.from(out, (s) => s[2]),
    delta: Int32Array.from(out, ([dx, dy, dz]) => (dz * height + dy) * width + dx),
    found: new Int32Array(out.length),
  };
}

/** Writes the neighbours of pixel `p` inside the grid into `out`; returns how many. */
function neighboursOf(p: number, steps: NeighbourSteps, out: Int32Array): number {
  const { width, height, depth, dx, dy, dz, delta } = steps;
  const plane = width * height;
  const z = Math.floor(p / plane);
  const inPlane = p - z * plane;
  const y = Math.floor(inPlane / width);
  const x = inPlane - y * width;
  let n = 0;
  for (let k = 0; k < delta.length; k++) {
    const nx = x + dx[k];
    const ny = y + dy[k];
    const nz = z + dz[k];
    if (nx >= 0 && ny >= 0 && nz >= 0 && nx < width && ny < height && nz < depth) out[n++] = p + delta[k];
  }
  return n;
}

/** Calls `visit` for each neighbour of pixel `p` inside the grid. */
export function neighbourWalker(grid: Grid, neighbours: Neighbours): (p: number, visit: (q: number) => void) => void {
  const steps = neighbourSteps(grid, neighbours);
  const found = steps.found;
  return (p, visit) => {
    const n = neighboursOf(p, steps, found);
    for (let k = 0; k < n; k++) visit(found[k]);
  };
}

export function gridSize(grid: Grid): number {
  return grid.width * grid.height * (grid.depth ?? 1);
}

/**
 * Walks every maximal connected region of equal values, in the raster order of its first pixel. `visit` gets the
 * region's pixel indices in `members[0..size)` (a buffer reused by the next region: copy what you keep) and its value.
 * Values for which `skip` says true are not walked.
 */
export function forEachRegion(
  values: Uint8Array,
  grid: Grid,
  neighbours: Neighbours,
  visit: (members: Int32Array, size: number, value: number) => void,
  skip?: (value: number) => boolean,
): void {
  const total = gridSize(grid);
  if (values.length !== total) throw new RangeError(`regions: ${values.length} values for a grid of ${total}`);
  const visited = new Uint8Array(total);
  const members = new Int32Array(total);
  const steps = neighbourSteps(grid, neighbours);
  for (let start = 0; start < total; start++) {
    const value = values[start];
    if (visited[start] || skip?.(value)) continue;
    const size = collect(values, steps, start, visited, members);
    visit(members, size, value);
  }
}

/** The connected region of equal value around pixel `seed`, as a 0/1 mask, with its pixel count. */
export function regionAt(values: Uint8Array, grid: Grid, neighbours: Neighbours, seed: number): { mask: Uint8Array; size: number } {
  const total = gridSize(grid);
  if (values.length !== total) throw new RangeError(`regions: ${values.length} values for a grid of ${total}`);
  const mask = new Uint8Array(total);
  const size = collect(values, neighbourSteps(grid, neighbours), seed, mask, new Int32Array(total));
  return { mask, size };
}

/** Breadth-first flood of `start`'s value: marks `visited`, lists the members, returns how many. */
function collect(values: Uint8Array, steps: NeighbourSteps, start: number, visited: Uint8Array, members: Int32Array): number {
  const value = values[start];
  const found = steps.found;
  let size = 0;
  members[size++] = start;
  visited[start] = 1;
  for (let head = 0; head < size; head++) {
    const n = neighboursOf(members[head], steps, found);
    for (let k = 0; k < n; k++) {
      const q = found[k];
      if (!visited[q] && values[q] === value) {
        visited[q] = 1;
        members[size++] = q;
      }
    }
  }
  return size;
}
