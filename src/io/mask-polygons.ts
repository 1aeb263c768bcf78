// Class masks as polygons: the boundary of every 4-connected region of a class, traced along pixel edges, with its
// holes. Exact (no smoothing), so rasterising the polygons gives the mask back.

/** Rings of corner coordinates [x, y] (pixel corners, y down); the first ring is the outer one, the rest holes. */
export type Polygon = [number, number][][];

/**
 * Every region of `classIndex` in `mask` (width × height, row-major). Outer rings run clockwise on screen (y down),
 * holes counter-clockwise; collinear points are dropped and each ring is closed (last point = first).
 */
export function classPolygons(mask: Uint8Array, width: number, height: number, classIndex: number): Polygon[] {
  const is = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] === classIndex;
  const corner = (x: number, y: number) => y * (width + 1) + x;
  // Directed boundary edges with the region on their right (screen coordinates): start corner → end corners.
  const outgoing = new Map<number, number[]>();
  const addEdge = (x0: number, y0: number, x1: number, y1: number) => {
    const from = corner(x0, y0);
    const list = outgoing.get(from);
    if (list) list.push(corner(x1, y1));
    else outgoing.set(from, [corner(x1, y1)]);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] !== classIndex) continue;
      if (!is(x, y - 1)) addEdge(x, y, x + 1, y);
      if (!is(x + 1, y)) addEdge(x + 1, y, x + 1, y + 1);
      if (!is(x, y + 1)) addEdge(x + 1, y + 1, x, y + 1);
      if (!is(x - 1, y)) addEdge(x, y + 1, x, y);
    }
  }
  const xy = (c: number): [number, number] => [c % (width + 1), Math.floor(c / (width + 1))];
  const outers: { ring: [number, number][]; area: number }[] = [];
  const holes: [number, number][][] = [];
  for (const start of [...outgoing.keys()]) {
    while ((outgoing.get(start)?.length ?? 0) > 0) {
      const ring = traceRing(start, outgoing, xy);
      const area = signedArea(ring);
      if (area > 0) outers.push({ ring, area });
      else holes.push(ring);
    }
  }
  // Each hole belongs to the smallest outer ring that contains it.
  const polygons = outers.sort((a, b) => a.area - b.area).map((o) => ({ ...o, rings: [o.ring] }));
  for (const hole of holes) {
    // A point just to the right of the hole's first edge: inside the class region around the hole (never inside an
    // island within the hole, which would be a smaller outer ring).
    const [[ax, ay], [bx, by]] = [hole[0]!, hole[1]!];
    const [dx, dy] = [Math.sign(bx - ax), Math.sign(by - ay)];
    const probe: [number, number] = [(ax + bx) / 2 - 0.25 * dy, (ay + by) / 2 + 0.25 * dx];
    polygons.find((p) => contains(p.ring, probe))?.rings.push(hole);
  }
  return polygons.map((p) => p.rings);
}

/** Follows edges from `start` until it returns, consuming them; at a corner shared diagonally it turns right. */
function traceRing(start: number, outgoing: Map<number, number[]>, xy: (c: number) => [number, number]): [number, number][] {
  const points: [number, number][] = [xy(start)];
  let at = start;
  let direction: [number, number] | null = null;
  do {
    const ends = outgoing.get(at)!;
    let pick = 0;
    if (ends.length > 1 && direction) {
      // Turning right keeps to the same pixel, so diagonal neighbours stay separate regions (4-connectivity).
      const [px, py] = xy(at);
      const turn = (end: number) => {
        const [ex, ey] = xy(end);
        const cross = direction![0] * (ey - py) - direction![1] * (ex - px);
        return cross > 0 ? 0 : cross === 0 ? 1 : 2;
      };
      pick = ends.reduce((best, end, k) => (turn(end) < turn(ends[best]!) ? k : best), 0);
    }
    const next = ends.splice(pick, 1)[0]!;
    if (ends.length === 0) outgoing.delete(at);
    const [ax, ay] = xy(at);
    const [nx, ny] = xy(next);
    direction = [nx - ax, ny - ay];
    points.push([nx, ny]);
    at = next;
  } while (at !== start);
  return dropCollinear(points);
}

function dropCollinear(ring: [number, number][]): [number, number][] {
  const open = ring.slice(0, -1);
  const kept = open.filter((p, i) => {
    const a = open[(i + open.length - 1) % open.length]!;
    const b = open[(i + 1) % open.length]!;
    return (p[0] - a[0]) * (b[1] - p[1]) - (p[1] - a[1]) * (b[0] - p[0]) !== 0;
  });
  return [...kept, kept[0]!];
}

/** Shoelace area: positive for rings clockwise on screen (y down), i.e. counter-clockwise with y up. */
export function signedArea(ring: [number, number][]): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) sum += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1];
  return sum / 2;
}

/** Even-odd point-in-polygon test. */
function contains(ring: [number, number][], [px, py]: [number, number]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
