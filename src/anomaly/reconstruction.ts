// The autoencoder as one network for the maps: encoder → (the Gaussian bottleneck's mean) → decoder. Its layers are
// the trained parts' own, so building it copies nothing; the mean rather than a sample makes the maps repeatable.
import * as tf from '@tensorflow/tfjs';
import type { AutoencoderParts } from '../models/autoencoder.ts';

export function reconstructionModel(parts: AutoencoderParts): tf.LayersModel {
  let x = parts.encoder.outputs[0]!;
  if (parts.gaussian) x = parts.gaussian.getLayer('ae_mean').apply(x) as tf.SymbolicTensor;
  // The decoder is a chain after its code input.
  for (const layer of parts.decoder.layers.slice(1)) x = layer.apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: parts.encoder.inputs, outputs: x, name: 'anomaly_reconstruction' });
}
