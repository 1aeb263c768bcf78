// The TensorFlow.js engine for forward passes: the layers model on the active tfjs backend (wasm, WebGPU, …).
import * as tf from '@tensorflow/tfjs';
import { checkedStep } from '../compute/wasm-threads.ts';
import type { TilePredictor } from './tiler.ts';

export function modelPredictor(model: tf.LayersModel): TilePredictor {
  return (tiles) =>
    checkedStep(`inference on ${tiles.count} tile(s) of ${tiles.width}×${tiles.height}`, async () => {
      const out = tf.tidy(() => model.predict(tf.tensor4d(tiles.data, [tiles.count, tiles.height, tiles.width, tiles.channels])) as tf.Tensor4D);
      const [count, height, width, channels] = out.shape;
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return { data, count, height, width, channels };
    });
}
