// Window/level: decoded values (e.g. Hounsfield units) → 8-bit display values, with the standard CT presets.

export interface DicomWindow {
  center: number;
  width: number;
}

/** Common CT presets in HU (Radiopaedia / RSNA conventions). "soft-tissue" is the mediastinal window. */
export const WINDOW_PRESETS = {
  lung: { center: -600, width: 1500 },
  mediastinum: { center: 50, width: 350 },
  'soft-tissue': { center: 50, width: 350 },
  bone: { center: 400, width: 1800 },
  brain: { center: 40, width: 80 },
  abdomen: { center: 50, width: 400 },
} as const satisfies Record<string, DicomWindow>;

export type WindowPreset = keyof typeof WINDOW_PRESETS;

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
