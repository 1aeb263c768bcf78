// Default class colours (Okabe-Ito, then Tableau): distinguishable, also for colour-blind users.
import { checkColorMapping, parseHexColor, type ColorMapping } from './mask-colors.ts';
import { UserError } from '../api/errors.ts';
import type { ClassDef } from '../api/types.ts';

export const DEFAULT_PALETTE = [
  '#000000', '#e69f00', '#56b4e9', '#009e73', '#f0e442', '#0072b2', '#d55e00', '#cc79a7',
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7',
];

export function defaultClasses(count: number): ClassDef[] {
  return Array.from({ length: count }, (_, index) => ({ index, name: `class ${index}`, color: DEFAULT_PALETTE[index % DEFAULT_PALETTE.length]! }));
}

/**
 * Class colours as a colour-mask mapping (colour of class k → class k), for colour PNG export and import; `owner`
 * names whose classes they are (`project "cells"`). Two classes of one colour could not be told apart: the user's to fix.
 */
export function classColorMapping(classes: ClassDef[], owner: string): ColorMapping {
  const bad = classes.find((c) => parseHexColor(c.color) === null);
  if (bad) throw new UserError(`${owner}: class "${bad.name}" has no colour like #a1b2c3 (${bad.color})`);
  const labelColors = classes.map((c) => parseHexColor(c.color)!);
  try {
    checkColorMapping({ labelColors });
  } catch (e) {
    throw new UserError(`${owner}: class colours must differ to map colour masks: ${(e as Error).message}`);
  }
  return { labelColors };
}
