// Train/validation split by source image. Neighbouring slices of a volume are near-copies of each other, so a
// slice validated beside its trained neighbours measures memory, not generalisation: whole volumes go to one
// side. When no whole volume fits the validation share, a contiguous slab of one volume is held out instead,
// so only the slab's two faces touch training slices.
import { Rng } from './rng.ts';

/** Splits items into train and validation sets by `imagePath`, repeatably for a seed. */
export function splitTrainVal<T extends { imagePath: string }>(items: T[], valSplit: number, seed: number): { train: T[]; val: T[] } {
  const target = items.length < 2 || valSplit <= 0 ? 0 : Math.min(items.length - 1, Math.max(1, Math.round(items.length * valSplit)));
  if (target === 0) return { train: [...items], val: [] };
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.imagePath);
    if (group) group.push(item);
    else groups.set(item.imagePath, [item]);
  }
  const rng = new Rng(seed);
  const shuffled = rng.shuffle([...groups.values()]);
  const held = new Set<T>();
  for (const group of shuffled) {
    if (held.size + group.length <= target) for (const item of group) held.add(item);
  }
  if (held.size === 0) {
    // Every volume is larger than the share: a slab of `target` consecutive slices from the first one.
    const group = shuffled[0]!;
    const start = rng.int(group.length - target + 1);
    for (const item of group.slice(start, start + target)) held.add(item);
  }
  const ordered = shuffled.flat();
  return { train: ordered.filter((item) => !held.has(item)), val: ordered.filter((item) => held.has(item)) };
}
