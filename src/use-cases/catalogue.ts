// What the core offers a front end to choose from, so no front end keeps a list of its own that can drift: the
// architectures with their presets and the preset a fresh choice starts at (read from the model registry), the
// image file endings the readers accept, and the class palette.
import { IMAGE_EXTENSIONS } from '../io/files.ts';
import { architectureNames, getArchitecture, resolveConfig } from '../models/index.ts';
import { UserError } from '../api/errors.ts';
import { DEFAULT_PALETTE } from '../labels/palette.ts';
import type { ArchitectureInfo, Catalogue } from '../api/types.ts';

export function catalogue(): Catalogue {
  return { architectures: architectureNames().map(architectureInfo), imageExtensions: [...IMAGE_EXTENSIONS], palette: [...DEFAULT_PALETTE] };
}

function architectureInfo(name: string): ArchitectureInfo {
  const arch = getArchitecture(name);
  // Each registry entry lists its presets smallest first: the first trains quickest, so a fresh choice starts there.
  const presets = Object.keys(arch.presets);
  const choices = Object.fromEntries(Object.entries(arch.choices ?? {}).map(([field, values]) => [field, [...values]]));
  return { name, description: arch.description, presets, defaultPreset: presets[0] ?? null, choices };
}

/**
 * A caller's model choice made whole and checked: no preset means the architecture's default one, and an unknown
 * architecture or preset, or an override out of range, is the caller's to fix (UserError naming the valid choices).
 */
export function checkedModelChoice(
  architecture: string,
  preset: string | undefined,
  base: { inputChannels: number; numClasses: number },
  overrides?: Record<string, unknown>,
): { preset: string | undefined; config: ReturnType<typeof resolveConfig> } {
  try {
    const chosen = preset ?? architectureInfo(architecture).defaultPreset ?? undefined;
    return { preset: chosen, config: resolveConfig(architecture, base, chosen, overrides) };
  } catch (e) {
    // resolveConfig only throws on what it was asked for: its messages already list the valid names and ranges.
    throw new UserError((e as Error).message);
  }
}
