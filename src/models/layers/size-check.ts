// An identity layer that refuses inputs whose height or width is not a multiple of the model's size multiple,
// with a message that names it, instead of a shape error from deep inside the graph (U-Net's skip concatenation).
import * as tf from '@tensorflow/tfjs';

export class SizeCheck extends tf.layers.Layer {
  static className = 'SegworkSizeCheck';
  readonly multiple: number;

  constructor(config: tf.serialization.ConfigDict & { multiple: number; name?: string }) {
    super(config);
    this.multiple = config.multiple;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const [, h, w] = x.shape;
    if (h! % this.multiple !== 0 || w! % this.multiple !== 0) {
      throw new Error(`input is ${h}×${w}: the model's input height and width must be multiples of ${this.multiple} (pad the image, as segwork's tiled inference does)`);
    }
    return x;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), multiple: this.multiple };
  }
}

tf.serialization.registerClass(SizeCheck);
