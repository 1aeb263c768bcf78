// Small-island removal: connected regions of one class smaller than a minimum area take the class
// that surrounds them most (the label most common along their outer border).
import { UNLABELED } from '../api/types.ts';
import { forEachRegion, neighbourWalker } from '../labels/components.ts';

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

/**
 * Labels are class indices; UNLABELED pixels are never changed and never vote.
 * A region whose border touches only unlabeled pixels or the image edge is kept.
 */
export function removeSmallIslands(mask: Uint8Array, width: number, height: number, options: IslandOptions): IslandReport {
  if (mask.length !== width * height) throw new Error(`islands: mask has ${mask.length} pixels, expected ${width}×${height}`);
  if (!Number.isInteger(options.minArea) || options.minArea < 0) throw new Error(`islands: minArea must be a non-negative integer, got ${options.minArea}`);
  const grid = { width, height };
  const neighbours = (options.connectivity ?? 8) === 4 ? 'faces' : 'all';
  const walk = neighbourWalker(grid, neighbours);
  const out = Uint8Array.from(mask);
  const votes = new Uint32Array(256);
  const voted: number[] = [];
  let removed = 0;
  let changedPixels = 0;

  forEachRegion(mask, grid, neighbours, (region, size, cls) => {
    if (size >= options.minArea) return;
    // Vote among the labeled neighbours of other classes, as they are now (earlier fixes count).
    const vote = (q: number) => {
      const n = out[q];
      if (n === cls || n === UNLABELED) return;
      if (votes[n]++ === 0) voted.push(n);
    };
    for (let i = 0; i < size; i++) walk(region[i], vote);
    let winner = -1;
    for (const n of voted) if (winner < 0 || votes[n] > votes[winner] || (votes[n] === votes[winner] && n < winner)) winner = n;
    for (const n of voted) votes[n] = 0;
    voted.length = 0;
    if (winner < 0) return;
    for (let i = 0; i < size; i++) out[region[i]] = winner;
    removed++;
    changedPixels += size;
  }, (cls) => cls === UNLABELED);
  return { mask: out, removed, changedPixels };
}
