// Colour-coded masks (CVAT, Label Studio and many public datasets save labels as colours): colour → class index on
// the way in, class index → colour on the way out. Pure: typed arrays in and out, no files, no errors of a user's
// file (the reader names the file), so Node and the renderer can both use it.
import { UNLABELED } from './label-map.ts';

/** How a mask's colours become classes. Colours are 0xRRGGBB. */
export interface ColorMapping {
  /** Colour k is class k. */
  labelColors: number[];
  /** These colours are unlabeled (255). */
  ignoreColors?: number[];
  /** A colour in neither list: 'error' (the default) reports it, 'unlabeled' makes it unlabeled. */
  unknownColors?: UnknownColors;
}

export const UNKNOWN_COLOR_CHOICES = ['error', 'unlabeled'] as const;
export type UnknownColors = (typeof UNKNOWN_COLOR_CHOICES)[number];

/** Colours that map to no class: how many pixels, and where the first one of each colour is. */
export interface UnknownColorReport {
  pixels: number;
  /** Most frequent first. */
  colors: { color: number; pixels: number; first: { x: number; y: number } }[];
}

/** "#3c1098" or "3C1098" → 0x3c1098; anything else → null. */
export function parseHexColor(text: string): number | null {
  const m = /^#?([0-9a-fA-F]{6})$/.exec(text.trim());
  return m ? parseInt(m[1]!, 16) : null;
}

/** 0x3c1098 → "#3c1098". */
export function hexColor(color: number): string {
  return `#${color.toString(16).padStart(6, '0')}`;
}

/** Checks a mapping: at most 255 classes, no colour listed twice (within or across the lists). Throws RangeError. */
export function checkColorMapping({ labelColors, ignoreColors = [] }: ColorMapping): void {
  if (labelColors.length === 0 || labelColors.length > UNLABELED) throw new RangeError(`1 to 255 label colours, got ${labelColors.length}`);
  const seen = new Map<number, string>();
  for (const [list, name] of [[labelColors, 'class'], [ignoreColors, 'ignored colour']] as const) {
    list.forEach((color, i) => {
      const before = seen.get(color);
      if (before !== undefined) throw new RangeError(`${hexColor(color)} is listed twice (${before} and ${name} ${i})`);
      seen.set(color, `${name} ${i}`);
    });
  }
}

/**
 * RGB(A) samples (pixel-interleaved, `bands` 3 or 4, 8-bit) → class per pixel. A pixel with alpha 0 is unlabeled
 * whatever its colour (how color-png export writes unlabeled). Unknown colours are unlabeled in `data` and counted in
 * `unknown` (null when there are none), so the caller decides whether they are an error.
 */
export function classesFromColors(samples: ArrayLike<number>, width: number, bands: number, mapping: ColorMapping): { data: Uint8Array; unknown: UnknownColorReport | null } {
  checkColorMapping(mapping);
  const classOf = new Map<number, number>();
  mapping.labelColors.forEach((color, cls) => classOf.set(color, cls));
  for (const color of mapping.ignoreColors ?? []) classOf.set(color, UNLABELED);
  const pixels = samples.length / bands;
  const data = new Uint8Array(pixels);
  const unknown = new Map<number, { color: number; pixels: number; first: { x: number; y: number } }>();
  // Masks are mostly runs of one colour: remember the last lookup.
  let lastColor = -1;
  let lastClass = -1;
  for (let p = 0, s = 0; p < pixels; p++, s += bands) {
    if (bands === 4 && samples[s + 3] === 0) {
      data[p] = UNLABELED;
      continue;
    }
    const color = (samples[s]! << 16) | (samples[s + 1]! << 8) | samples[s + 2]!;
    if (color !== lastColor) {
      lastColor = color;
      lastClass = classOf.get(color) ?? -1;
    }
    if (lastClass >= 0) {
      data[p] = lastClass;
      continue;
    }
    data[p] = UNLABELED;
    const seen = unknown.get(color);
    if (seen) seen.pixels++;
    else unknown.set(color, { color, pixels: 1, first: { x: p % width, y: Math.floor(p / width) } });
  }
  if (unknown.size === 0) return { data, unknown: null };
  const colors = [...unknown.values()].sort((a, b) => b.pixels - a.pixels);
  return { data, unknown: { pixels: colors.reduce((n, c) => n + c.pixels, 0), colors } };
}

/** "1,204 pixels have colours no class has: #ff00ff (1,200 px, first at x=3 y=0), …" — at most `shown` colours named. */
export function describeUnknownColors(report: UnknownColorReport, shown = 5): string {
  const list = report.colors.slice(0, shown).map((c) => `${hexColor(c.color)} (${c.pixels.toLocaleString('en')} px, first at x=${c.first.x} y=${c.first.y})`);
  const more = report.colors.length > shown ? ` and ${report.colors.length - shown} more colour(s)` : '';
  return `${report.pixels.toLocaleString('en')} pixel(s) have a colour no class has: ${list.join(', ')}${more}`;
}

/**
 * Class per pixel → RGBA (4 bytes a pixel): class k in colours[k], opaque; unlabeled fully transparent (0,0,0,0), so
 * no class colour (black included) is taken for it. Throws RangeError for two classes of one colour (the file could
 * not tell them apart) or a class without a colour.
 */
export function colorsFromClasses(data: Uint8Array, colors: number[]): Uint8Array {
  checkColorMapping({ labelColors: colors });
  const rgba = new Uint8Array(data.length * 4);
  for (let p = 0; p < data.length; p++) {
    const cls = data[p]!;
    if (cls === UNLABELED) continue;
    const color = colors[cls];
    if (color === undefined) throw new RangeError(`class ${cls} has no colour (${colors.length} colours)`);
    rgba[p * 4] = color >> 16;
    rgba[p * 4 + 1] = (color >> 8) & 0xff;
    rgba[p * 4 + 2] = color & 0xff;
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}
