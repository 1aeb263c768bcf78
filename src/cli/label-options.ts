// How masks' pixels become classes, shared by train, eval, score and import: raw values (--label-values,
// --ignore-value) or colours (--label-colors, --ignore-colors, --unknown-colors). The colour rules themselves live in
// src/labels/mask-colors.ts; this file only turns the options into them.
import type { ClassDef } from '../api/types.ts';
import { classColorMapping, defaultClasses } from '../labels/palette.ts';
import type { MaskOptions } from '../io/index.ts';
import { checkColorMapping, hexColor, parseHexColor, UNKNOWN_COLOR_CHOICES, type UnknownColors } from '../labels/mask-colors.ts';
import { intListOption, intOption } from './args.ts';
import { UsageError } from './command.ts';

export const labelOptionSpec = {
  'label-values': { type: 'string' },
  'ignore-value': { type: 'string' },
  'label-colors': { type: 'string' },
  'ignore-colors': { type: 'string' },
  'unknown-colors': { type: 'string' },
} as const;

/** Usage lines of the colour options; `classesAre` says where "classes" takes its colours from, if it can here. */
export function labelColorUsage(classesAre?: string): string {
  const classes = classesAre ? `\n                         (or "classes": ${classesAre})` : '';
  return `  --label-colors C0,C1…  colour masks (RGB or palette PNG): the #RRGGBB colours of classes 0,1,…${classes}
  --ignore-colors C,…    mask colours meaning unlabeled
  --unknown-colors WHAT  a colour in neither list: error (default; reports its pixels and first position) | unlabeled`;
}

/** The options as given; "classes" is resolved once the command knows its classes (resolveLabelMapping). */
export interface LabelOptions {
  labelValues?: number[];
  ignoreValue?: number;
  colors?: { labelColors: number[] | 'classes'; ignoreColors: number[]; unknownColors: UnknownColors };
}

export function parseLabelOptions(values: Record<string, unknown>): LabelOptions {
  const labelValues = intListOption(values, 'label-values');
  const ignoreValue = values['ignore-value'] !== undefined ? intOption(values, 'ignore-value', 0) : undefined;
  const given = values['label-colors'] as string | undefined;
  if (given === undefined) {
    for (const name of ['ignore-colors', 'unknown-colors']) {
      if (values[name] !== undefined) throw new UsageError(`--${name} needs --label-colors (the masks' class colours, or "classes")`);
    }
    return { labelValues, ignoreValue };
  }
  if (labelValues || ignoreValue !== undefined) {
    throw new UsageError('--label-colors reads colour masks, --label-values and --ignore-value value masks: give one kind');
  }
  const unknownColors = (values['unknown-colors'] ?? 'error') as UnknownColors;
  if (!UNKNOWN_COLOR_CHOICES.includes(unknownColors)) throw new UsageError(`--unknown-colors must be ${UNKNOWN_COLOR_CHOICES.join(' or ')}, got "${unknownColors}"`);
  const labelColors = given.trim() === 'classes' ? 'classes' : colorList(given, 'label-colors');
  const ignoreColors = values['ignore-colors'] === undefined ? [] : colorList(values['ignore-colors'] as string, 'ignore-colors');
  if (labelColors !== 'classes') checked(labelColors, ignoreColors);
  return { colors: { labelColors, ignoreColors, unknownColors } };
}

/** Where a command's classes come from (`from` names them in errors), or, without classes, what to give instead. */
export type KnownClasses = { list: ClassDef[]; from: string } | { missing: string };

/** The mask options: "classes" takes the colours of the classes; explicit colours must be as many as the classes. */
export function resolveLabelMapping(options: LabelOptions, classes: KnownClasses): MaskOptions {
  const { labelValues, ignoreValue, colors } = options;
  if (!colors) return { labelValues, ignoreValue };
  const { ignoreColors, unknownColors } = colors;
  if (colors.labelColors === 'classes') {
    if ('missing' in classes) throw new UsageError(`--label-colors classes: ${classes.missing}`);
    const { labelColors } = classColorMapping(classes.list, classes.from);
    checked(labelColors, ignoreColors, `the class colours of ${classes.from}`);
    return { colors: { labelColors, ignoreColors, unknownColors } };
  }
  if ('list' in classes && colors.labelColors.length !== classes.list.length) {
    throw new UsageError(`--label-colors lists ${colors.labelColors.length} colours but ${classes.from} has ${classes.list.length} classes`);
  }
  return { colors: { labelColors: colors.labelColors, ignoreColors, unknownColors } };
}

/** Classes for a new project or model when the masks' colours are the only description: default names, those colours. */
export function classesOfColors(options: LabelOptions): ClassDef[] | undefined {
  const colors = options.colors?.labelColors;
  if (!colors || colors === 'classes') return undefined;
  return defaultClasses(colors.length).map((c, i) => ({ ...c, color: hexColor(colors[i]!) }));
}

function colorList(text: string, name: string): number[] {
  return text.split(',').map((item) => {
    const color = parseHexColor(item);
    if (color === null) throw new UsageError(`--${name}: "${item.trim()}" is not a colour like #3c1098 (comma-separated list)`);
    return color;
  });
}

function checked(labelColors: number[], ignoreColors: number[], from = '--label-colors and --ignore-colors'): void {
  try {
    checkColorMapping({ labelColors, ignoreColors });
  } catch (e) {
    throw new UsageError(`${from}: ${(e as Error).message}`);
  }
}
