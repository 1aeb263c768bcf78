// --classes FILE.json: [{"name": "road", "color": "#808080"}, …] or {"classes": [...]}; index = position.
import * as fs from 'node:fs/promises';
import { DEFAULT_PALETTE } from '../labels/palette.ts';
import type { ClassDef } from '../api/types.ts';
import { InputError } from './raster.ts';

export async function readClassesFile(file: string): Promise<ClassDef[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new InputError(file, `cannot read the class list (${(e as Error).message})`);
  }
  const list = Array.isArray(raw) ? raw : (raw as { classes?: unknown })?.classes;
  if (!Array.isArray(list) || list.length < 2) throw new InputError(file, 'expected a list of at least two classes');
  if (list.length > 255) throw new InputError(file, 'at most 255 classes (255 is the unlabeled value)');
  return list.map((item, index) => {
    const c = (typeof item === 'string' ? { name: item } : item) as { name?: unknown; color?: unknown };
    if (typeof c?.name !== 'string' || c.name === '') throw new InputError(file, `class ${index} has no name`);
    const color = c.color ?? DEFAULT_PALETTE[index % DEFAULT_PALETTE.length];
    if (typeof color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(color)) throw new InputError(file, `class ${index} ("${c.name}") needs a colour like "#a1b2c3"`);
    return { index, name: c.name, color: color.toLowerCase() };
  });
}
