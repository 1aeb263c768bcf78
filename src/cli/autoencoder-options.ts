// What the commands that train an autoencoder on image folders share (pretrain, anomaly train): their options,
// when to stop and how to batch, and reading the folders.
import { InputError } from '../io/raster.ts';
import { intOption, numberOption, type OptionSpec } from './args.ts';
import { UsageError } from './command.ts';

export const AUTOENCODER_OPTIONS = {
  images: { type: 'string', multiple: true },
  out: { type: 'string' },
  'time-budget': { type: 'string' },
  steps: { type: 'string' },
  size: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies OptionSpec;

/** The step loop's settings from the flags, each checked against its range; patch and batch defaults differ by command. */
export function autoencoderSteps(values: Record<string, unknown>, defaults: { size: number; batch: number }) {
  return {
    timeBudgetSeconds: numberOption(values, 'time-budget', 300, 1, 1e7)!,
    maxSteps: intOption(values, 'steps', 100_000, 1),
    patchSize: intOption(values, 'size', defaults.size, 8),
    batchSize: intOption(values, 'batch', defaults.batch, 1),
    learningRate: numberOption(values, 'lr', 1e-3, 1e-6, 1)!,
    seed: intOption(values, 'seed', 1, 0),
  };
}

/** The --images folders as they are named: at least one is required. */
export function imageFolders(values: { images?: string[] }): string[] {
  const dirs = values.images ?? [];
  if (dirs.length === 0) throw new UsageError('--images is required');
  return dirs;
}

/** Every image of the folders (a volume: its spaced slices); a folder without images is an error naming it. */
export async function readImageFolders(dirs: string[]) {
  // The readers load only when a run starts, so --help answers at once.
  const [{ listImageSources }, { readUnlabeledImages }] = await Promise.all([import('../io/index.ts'), import('../training/unlabeled-images.ts')]);
  const files: string[] = [];
  for (const dir of dirs) {
    const found = await listImageSources(dir);
    if (found.length === 0) throw new InputError(dir, 'no images found');
    files.push(...found);
  }
  return readUnlabeledImages(files);
}
