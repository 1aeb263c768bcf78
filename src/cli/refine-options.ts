// --tta, --crf and --min-island, shared by eval and segment so their effect on IoU can be measured with eval.
import type { RefineOptions } from '../inference/refine.ts';
import { parseTtaTransforms } from '../inference/tta.ts';
import { intOption } from './args.ts';
import { UsageError } from './command.ts';

export const refineOptionSpec = {
  tta: { type: 'string' },
  crf: { type: 'boolean' },
  'min-island': { type: 'string' },
} as const;

export const refineUsage = `  --tta SET          test-time augmentation, probabilities averaged: flips (4), dihedral (8: flips and 90° turns),
                     or a comma list of identity, flip-h, flip-v, rot90, rot180, rot270, transpose, anti-transpose
  --crf              refine with a dense CRF (mean-field, Gaussian + bilateral kernels, as DeepLab)
  --min-island N     regions smaller than N pixels take the class around them`;

export function parseRefineOptions(values: { tta?: string; crf?: boolean; 'min-island'?: string }): RefineOptions {
  const options: RefineOptions = {};
  if (values.tta !== undefined) {
    try {
      options.tta = parseTtaTransforms(values.tta);
    } catch (e) {
      throw new UsageError(`--tta: ${(e as Error).message}`);
    }
  }
  if (values.crf) options.crf = {};
  const minIsland = intOption(values, 'min-island', 0, 0);
  if (minIsland > 0) options.minIsland = minIsland;
  return options;
}
