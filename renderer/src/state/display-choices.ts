// What the display controls offer for an image: CT window presets for single-band scans, band combinations for
// multi-band rasters. The renderer only chooses; the core renders through displayImage.
import type { ImageInfo } from '../../../src/api/types.ts';
import { WINDOW_PRESETS } from '../../../src/api/types.ts';

/** In key order: Shift+1 … Shift+5, and W cycles through them. */
export const WINDOW_CHOICES = ['lung', 'mediastinum', 'bone', 'brain', 'abdomen'] as const satisfies readonly (keyof typeof WINDOW_PRESETS)[];

export function windowPreset(name: (typeof WINDOW_CHOICES)[number]): { center: number; width: number } {
  return { ...WINDOW_PRESETS[name] };
}

/** Scans (volumes, CT/MR/PET slices) get windowing; photos and maps do not. Read from what the core found, not the file name. */
export function showsWindow(image: ImageInfo | null): boolean {
  if (!image || image.channels !== 1) return false;
  return image.slices > 1 || /^(CT|MR|PT)$/i.test(image.modality);
}

/** Rasters of more than three bands get a band-combination picker (three bands are shown as they are). */
export function showsBands(image: ImageInfo | null): boolean {
  return !!image && image.channels > 3;
}

export interface BandChoice {
  name: string;
  bands: number[];
}

/** Named combinations for a band count: true colour, and NIR false colour (NIR, red, green) when a 4th band exists. */
export function bandChoices(bands: number): BandChoice[] {
  const choices: BandChoice[] = [];
  if (bands >= 3) choices.push({ name: 'True colour', bands: [0, 1, 2] });
  if (bands >= 4) choices.push({ name: 'NIR false colour', bands: [3, 0, 1] });
  return choices;
}
