// Batch normalisation whose training pass is one custom op. tfjs-layers composes it from moments, so the gradient
// tape keeps x − mean and its square (two more full-size tensors per layer) and autodiff walks the moments back
// through a dozen reductions and broadcasts. Here the tape keeps x and per-channel statistics, and the gradient
// is the closed form (Ioffe & Szegedy 2015). Inference, weights and config are tfjs-layers' own, and the class
// registers under the same className, so saved models load into it unchanged.
import * as tf from '@tensorflow/tfjs';

// BN momentum 0.9 in every architecture: moving statistics settle within tens of steps, so short CPU runs predict
// as they trained.
export const BN_MOMENTUM = 0.9;

type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;

/** What the training pass reads of tfjs-layers' BatchNormalization (public there, untyped here). */
interface BatchNormState {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

// tfjs-layers exports the layer only through its factory; the class is the factory's product's constructor.
const TfjsBatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as typeof tf.layers.Layer;

/**
 * Normalises x over every axis but the last with the batch's own statistics, scales by gamma and shifts by beta.
 * Returns the batch mean and (biased) variance too, for the moving averages: no tidy disposes those two, the
 * caller does.
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const count = x.size / x.shape[x.rank - 1]!;
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, g, b, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const { mean, variance } = tf.moments(xs, axes) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
    // The op's forward runs in a tidy of its own; the statistics leave it only as kept tensors.
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    save([xs, mean, invStd, g]);
    return {
      value: tf.batchNorm(xs, mean, variance, b, g, epsilon),
      gradFunc: (dy, saved) => {
        const [xSaved, meanSaved, invStdSaved, gammaSaved] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        const dyt = dy as tf.Tensor;
        const normalised = tf.mul(tf.sub(xSaved, meanSaved), invStdSaved);
        const dBeta = tf.sum(dyt, axes);
        const dGamma = tf.sum(tf.mul(dyt, normalised), axes);
        // dx = γ·σ⁻¹ · (dy − mean(dy) − x̂ · mean(dy·x̂))
        const centred = tf.sub(tf.sub(dyt, tf.div(dBeta, count)), tf.mul(normalised, tf.div(dGamma, count)));
        return [tf.mul(centred, tf.mul(gammaSaved, invStdSaved)), dGamma, dBeta];
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, ...stats! };
}

/** tfjs-layers' BatchNormalization with the training pass above (channels-last, scaled and centred). */
export class BatchNorm extends TfjsBatchNormalization {
  static className = 'BatchNormalization';

  constructor(args: BatchNormArgs = {}) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const state = this as unknown as BatchNormState;
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    const channelsLast = state.axis === -1 || state.axis === x.rank - 1;
    if (!kwargs['training'] || !channelsLast || !state.center || !state.scale) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(x, state.gamma.read() as tf.Tensor1D, state.beta.read() as tf.Tensor1D, state.epsilon);
      // The moving averages exactly as tfjs-layers updates them: m ← m − (m − batch)·(1 − momentum).
      for (const [moving, batch] of [[state.movingMean, mean], [state.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const current = moving.read();
          moving.write(tf.sub(current, tf.mul(tf.sub(current, batch), 1 - state.momentum)));
        });
      }
      tf.dispose([mean, variance]);
      return y;
    });
  }
}

tf.serialization.registerClass(BatchNorm);
