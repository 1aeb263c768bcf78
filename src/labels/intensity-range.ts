// The threshold rule: which pixels an intensity range lets the brush and the fill paint. One rule for the tools,
// the preview and the tests: inclusive min..max, and NaN (how intensityPlane sends nodata) is never inside.
import { UserError } from '../api/errors.ts';

export interface IntensityRange {
  min: number;
  max: number;
}

/**
 * Hounsfield ranges for CT, as radiology tools offer them:
 * - bone 226..3071: Materialise Mimics' predefined "Bone (CT)" threshold set (3071 is the top of 12-bit CT);
 * - soft tissue -700..225: Mimics' "Soft Tissue (CT)" set, everything between lung air and bone;
 * - lung -1000..-400: air-filled parenchyma, below the -400 HU cut-off threshold-based lung segmentation uses to
 *   part it from the chest wall and vessels;
 * - fat -190..-30: the adipose-tissue range of CT body-composition analysis (Mitsiopoulos et al., J Appl Physiol
 *   1998; Slice-O-Matic's and the Alberta protocol's default).
 */
export const HU_PRESETS = {
  bone: { min: 226, max: 3071 },
  'soft tissue': { min: -700, max: 225 },
  lung: { min: -1000, max: -400 },
  fat: { min: -190, max: -30 },
} as const satisfies Record<string, IntensityRange>;

export type HuPreset = keyof typeof HU_PRESETS;

/** The range as given, or a UserError naming both values when it cannot hold any pixel. */
export function checkedRange(min: number, max: number): IntensityRange {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new UserError(`threshold range needs two numbers, got min ${min} and max ${max}`);
  if (min > max) throw new UserError(`threshold range is empty: min ${min} is greater than max ${max}; set min at or below max`);
  return { min, max };
}

export function inRange(value: number, range: IntensityRange): boolean {
  // NaN fails both comparisons, so nodata is never inside.
  return value >= range.min && value <= range.max;
}

/** 1 where the plane's value lies inside the range, else 0: the brush's and the fill's "paintable" mask. */
export function paintableMask(values: ArrayLike<number>, range: IntensityRange, out: Uint8Array = new Uint8Array(values.length)): Uint8Array {
  const { min, max } = range;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v >= min && v <= max ? 1 : 0;
  }
  return out;
}
