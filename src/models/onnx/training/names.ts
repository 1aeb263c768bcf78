// The graph inputs and outputs of a training step that are not weights (training-graph.ts names those).
export const TRAINING_INPUTS = { image: 'image', labels: 'labels', learningRate: 'learning_rate', oneMinusBeta1Power: 'one_minus_beta1_power', oneMinusBeta2Power: 'one_minus_beta2_power', pixelWeights: 'pixel_weights' } as const;
export const TRAINING_OUTPUTS = { loss: 'loss', confusion: 'confusion' } as const;
