// Bilinear resize of one tensor to the height and width of another, known only at run time.
// UpSampling2D needs a static factor; DeepLab's image pooling (1×1 → feature size) and its final
// up-sampling to whatever input size arrives do not have one.
import * as tf from '@tensorflow/tfjs';

interface NamedLayerArgs {
  name?: string;
  trainable?: boolean;
}

/** Layer: inputs [x [b, h, w, c], reference [b, H, W, *]] → x resized to [b, H, W, c]. */
export class ResizeBilinearLike extends tf.layers.Layer {
  static className = 'ResizeBilinearLike';

  constructor(args: NamedLayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [x, ref] = inputShape as tf.Shape[];
    return [x[0], ref[1], ref[2], x[3]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`layer ${this.name}: expects [x, reference]`);
    const [x, ref] = inputs as tf.Tensor4D[];
    // alignCorners: the cpu gradient kernel ignores halfPixelCenters, and corner alignment is what DeepLab used.
    return tf.image.resizeBilinear(x, [ref.shape[1], ref.shape[2]], true);
  }
}

tf.serialization.registerClass(ResizeBilinearLike);
