// Window/level: decoded values (e.g. Hounsfield units) → 8-bit display values, with the standard CT presets.

import type { DicomWindow } from '../api/types.ts';

export { WINDOW_PRESETS, type DicomWindow, type WindowPreset } from '../api/types.ts';

export interface WindowOptions {
  /** MONOCHROME1: low values are shown bright. */
  invert?: boolean;
}

/**
 * DICOM PS3.3 C.11.2.1.2 linear VOI function: values at or below c - 0.5 - (w-1)/2 → 0, above c - 0.5 + (w-1)/2 → 255,
 * linear in between. Pure: no state, no rounding surprises (rounds to nearest).
 */
export function applyWindow(values: ArrayLike<number>, window: DicomWindow, options: WindowOptions = {}): Uint8Array {
  const { center, width } = window;
  if (!(width >= 1)) throw new RangeError(`window width must be at least 1, got ${width}`);
  const low = center - 0.5 - (width - 1) / 2;
  const high = center - 0.5 + (width - 1) / 2;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    const y = x <= low ? 0 : x > high ? 255 : Math.round(((x - (center - 0.5)) / (width - 1) + 0.5) * 255);
    out[i] = options.invert ? 255 - y : y;
  }
  return out;
}

/** A window that shows the whole range [min, max], for images without a stored window. */
export function windowForRange(min: number, max: number): DicomWindow {
  const width = Math.max(1, max - min + 1);
  return { center: min + 0.5 + (width - 1) / 2, width };
}
