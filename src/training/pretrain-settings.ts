// The pre-training objectives' settings: their valid ranges, defaults and one-line descriptions. Apart from the
// losses (pretrain-objectives.ts) because the CLI checks its options with them before it loads TensorFlow.js.
import type { PretrainObjective } from '../api/types.ts';

export interface ObjectiveSettings {
  objective: PretrainObjective;
  /** denoising: Gaussian noise σ in normalised units (0: none). */
  denoiseSigma: number;
  /** denoising: fraction of 8×8 cells masked (0: none); context: the masked block's share of the patch area. */
  maskRatio: number;
  /** sparse: the L1 weight; contractive: the penalty weight; variational: β. Unused by the others. */
  weight: number;
}

/** The valid ranges, for the CLI's messages and the core's own check. */
export const OBJECTIVE_RANGES = {
  denoiseSigma: [0, 10],
  maskRatio: [0, 0.95],
  weight: [0, 1000],
} as const satisfies Record<string, readonly [number, number]>;

export const DEFAULT_WEIGHT: Record<PretrainObjective, number> = { denoising: 0, context: 0, sparse: 0.01, contractive: 0.1, variational: 0.1 };
export const DEFAULT_CONTEXT_BLOCK = 0.25;

/** The workbench's settings for an objective: light noise plus masked cells for denoising, as before. */
export function defaultObjectiveSettings(objective: PretrainObjective): ObjectiveSettings {
  const denoising = objective === 'denoising';
  return { objective, denoiseSigma: denoising ? 0.1 : 0, maskRatio: denoising ? 0.25 : objective === 'context' ? DEFAULT_CONTEXT_BLOCK : 0, weight: DEFAULT_WEIGHT[objective] };
}

/** Throws, naming the setting and its valid range, when a setting is out of range. */
export function checkObjectiveSettings(s: ObjectiveSettings): void {
  for (const [name, [min, max]] of Object.entries(OBJECTIVE_RANGES)) {
    const value = s[name as keyof typeof OBJECTIVE_RANGES];
    if (!(value >= min && value <= max)) throw new RangeError(`pre-training ${name} must be in [${min}, ${max}], got ${value}`);
  }
  if (s.objective === 'context' && !(s.maskRatio > 0)) throw new RangeError(`the context objective needs a block share in (0, ${OBJECTIVE_RANGES.maskRatio[1]}], got ${s.maskRatio}`);
}

/** One line for the model's record: what the encoder learnt from. */
export function describeObjective(s: ObjectiveSettings): string {
  switch (s.objective) {
    case 'denoising':
      return [s.denoiseSigma > 0 ? `denoising σ=${s.denoiseSigma}` : '', s.maskRatio > 0 ? `masked cells ${s.maskRatio}` : ''].filter(Boolean).join(', ') || 'plain reconstruction';
    case 'context':
      return `context encoder, block ${s.maskRatio} of the patch`;
    case 'sparse':
      return `sparse, L1 weight ${s.weight}`;
    case 'contractive':
      return `contractive, weight ${s.weight}`;
    case 'variational':
      return `variational, β=${s.weight}`;
  }
}
