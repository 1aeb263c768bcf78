// Segmentation loss on softmax probabilities: class-weighted cross-entropy plus soft Dice, both over labeled
// pixels only (mask value 255 contributes nothing), so partial labels train correctly. With per-pixel weights
// (U-Net's separation weight map, which holds the class weights already) the cross-entropy is weighted by pixel.
import * as tf from '@tensorflow/tfjs';

const EPS = 1e-7;

export interface LossOptions {
  numClasses: number;
  /** Per-class cross-entropy weights; all 1 when absent. */
  classWeights?: number[];
  /** Weight of the Dice term; 0 turns it off. */
  diceWeight: number;
  /** Batches carry per-pixel cross-entropy weights (training/weight-map.ts), used instead of classWeights. */
  pixelWeights?: boolean;
}

/**
 * probs: [b, h, w, C] softmax output; labels: [b, h, w] int32 class indices with 255 for unlabeled.
 * pixelWeights: [b, h, w], when options.pixelWeights. Returns a scalar. With no labeled pixel at all, the loss is 0
 * (and so are its gradients).
 */
export function segmentationLoss(probs: tf.Tensor4D, labels: tf.Tensor3D, options: LossOptions, pixelWeights?: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const { numClasses } = options;
    const valid = tf.notEqual(labels, 255).toFloat().expandDims(-1) as tf.Tensor4D; // [b,h,w,1]
    const safeLabels = tf.where(tf.notEqual(labels, 255), labels, tf.zerosLike(labels));
    const onehot = tf.oneHot(safeLabels.toInt().reshape([-1]), numClasses).reshape(probs.shape).toFloat().mul(valid) as tf.Tensor4D;
    const logp = tf.log(tf.clipByValue(probs, EPS, 1));
    if (options.pixelWeights && !pixelWeights) throw new Error('segmentationLoss: the batch has no pixel weights');
    const pixelWeight = options.pixelWeights // [b,h,w], 0 where unlabeled
      ? pixelWeights!.mul(valid.squeeze([-1]))
      : onehot.mul(tf.tensor1d(options.classWeights ?? new Array(numClasses).fill(1))).sum(-1);
    const ce = onehot.mul(logp).sum(-1).mul(pixelWeight).sum().neg().div(pixelWeight.sum().add(EPS)) as tf.Scalar;
    if (options.diceWeight <= 0) return ce;
    // Soft Dice per class over labeled pixels, averaged over the classes present in the batch's truth
    // (a class only predicted is already penalised by the cross-entropy term).
    const p = probs.mul(valid);
    const truthCount = onehot.sum([0, 1, 2]);
    const intersection = p.mul(onehot).sum([0, 1, 2]);
    const denominator = p.sum([0, 1, 2]).add(truthCount);
    const present = truthCount.greater(0).toFloat();
    const dicePerClass = intersection.mul(2).add(EPS).div(denominator.add(EPS));
    // Mean over present classes of (1 - dice); 0 when no class is present.
    const dice = tf.sub(1, dicePerClass).mul(present).sum().div(present.sum().add(EPS));
    return ce.add(dice.mul(options.diceWeight)) as tf.Scalar;
  });
}
