// Labels as people paint them, for the morphology benches (the core in Node, the workbench in the browser): the
// same plane for both, so their times compare.
import { UNLABELED } from '../src/api/types.ts';

/**
 * Unlabeled ground with discs of classes 0, 1 and 2, a quarter of them with holes, and specks of each class
 * scattered as islands. The same side gives the same plane.
 */
export function paintedPlane(side: number): Uint8Array {
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const labels = new Uint8Array(side * side).fill(UNLABELED);
  const disc = (cx: number, cy: number, r: number, value: number) => {
    for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(side - 1, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(side - 1, Math.ceil(cx + r)); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) labels[y * side + x] = value;
      }
    }
  };
  const discs = Math.round((side * side) / 40_000);
  for (let i = 0; i < discs; i++) {
    const cx = random() * side, cy = random() * side, r = 10 + random() * 60;
    disc(cx, cy, r, i % 3);
    if (i % 4 === 0) disc(cx, cy, r / 3, UNLABELED);
  }
  for (let i = 0; i < discs * 5; i++) disc(random() * side, random() * side, 1 + random() * 3, i % 3);
  return labels;
}
