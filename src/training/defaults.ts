// The training options a run starts from unless told otherwise. Plain data without tfjs, so `segwork train --help`
// can show them without loading TensorFlow.js.
import type { TrainOptions } from '../api/types.ts';

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  architecture: 'unet',
  preset: 'small',
  patchSize: 128,
  batchSize: 4,
  epochs: 20,
  learningRate: 1e-3,
  valSplit: 0.2,
  seed: 1,
  earlyStoppingPatience: 5,
  classWeighting: 'none',
  diceWeight: 0.5,
  augment: true,
};
