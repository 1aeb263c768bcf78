// Small-island removal: connected regions of one class smaller than a minimum area take the class
// that surrounds them most (the label most common along their outer border).
import { UNLABELED } from '../api/types.ts';

export interface IslandOptions {
  /** Regions with fewer pixels than this are reassigned. */
  minArea: number;
  /** 4 (edge neighbours) or 8 (edge and corner neighbours); 8 by default. */
  connectivity?: 4 | 8;
}

export interface IslandReport {
  /** The cleaned mask (a new array). */
  mask: Uint8Array<ArrayBuffer>;
  /** Regions reassigned. */
  removed: number;
  /** Pixels whose class changed. */
  changedPixels: number;
}

const OFFSETS4 = [[1, 0], [-1, 0], [0, 1], [0, -1]] as const;
const OFFSETS8 = [...OFFSETS4, [1, 1], [1, -1], [-1, 1], [-1, -1]] as const;

/**
 * Labels are class indices; UNLABELED pixels are never changed and never vote.
 * A region whose border touches only unlabeled pixels or the image edge is kept.
 */
export function removeSmallIslands(mask: Uint8Array, width: number, height: number, options: IslandOptions): IslandReport {
  if (mask.length !== width * height) throw new Error(`islands: mask has ${mask.length} pixels, expected ${width}×${height}`);
  if (!Number.isInteger(options.minArea) || options.minArea < 0) throw new Error(`islands: minArea must be a non-negative integer, got ${options.minArea}`);
  const offsets = (options.connectivity ?? 8) === 4 ? OFFSETS4 : OFFSETS8;
  const out = Uint8Array.from(mask);
  const visited = new Uint8Array(mask.length);
  const region = new Int32Array(mask.length); // reused stack / member list
  const votes = new Uint32Array(256);
  const voted: number[] = [];
  let removed = 0;
  let changedPixels = 0;

  for (let start = 0; start < mask.length; start++) {
    const cls = mask[start];
    if (visited[start] || cls === UNLABELED) continue;
    // Flood fill: region[0..size) holds the members, `head` walks them breadth-first.
    let size = 0;
    region[size++] = start;
    visited[start] = 1;
    for (let head = 0; head < size; head++) {
      const p = region[head];
      const x = p % width;
      const y = (p - x) / width;
      for (const [dx, dy] of offsets) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const q = ny * width + nx;
        if (!visited[q] && mask[q] === cls) {
          visited[q] = 1;
          region[size++] = q;
        }
      }
    }
    if (size >= options.minArea) continue;

    // Vote among the labeled neighbours of other classes, as they are now (earlier fixes count).
    for (let i = 0; i < size; i++) {
      const p = region[i];
      const x = p % width;
      const y = (p - x) / width;
      for (const [dx, dy] of offsets) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const n = out[ny * width + nx];
        if (n === cls || n === UNLABELED) continue;
        if (votes[n]++ === 0) voted.push(n);
      }
    }
    let winner = -1;
    for (const n of voted) if (winner < 0 || votes[n] > votes[winner] || (votes[n] === votes[winner] && n < winner)) winner = n;
    for (const n of voted) votes[n] = 0;
    voted.length = 0;
    if (winner < 0) continue;
    for (let i = 0; i < size; i++) out[region[i]] = winner;
    removed++;
    changedPixels += size;
  }
  return { mask: out, removed, changedPixels };
}
