// Default class colours (Okabe-Ito, then Tableau): distinguishable, also for colour-blind users.
import type { ClassDef } from '../api/types.ts';

export const DEFAULT_PALETTE = [
  '#000000', '#e69f00', '#56b4e9', '#009e73', '#f0e442', '#0072b2', '#d55e00', '#cc79a7',
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
];

export function defaultClasses(count: number): ClassDef[] {
  return Array.from({ length: count }, (_, index) => ({ index, name: `class ${index}`, color: DEFAULT_PALETTE[index % DEFAULT_PALETTE.length]! }));
}
