// The autoencoder family's objectives for encoder pre-training, each a loss on one clean normalised batch:
//  denoising    reconstruct the clean patch from a noisy and/or cell-masked one (Vincent et al. 2008);
//  context      inpaint one masked block, loss on the block only (context encoder, Pathak et al. 2016);
//  sparse       reconstruct, plus weight · mean |code| (L1 sparsity on the bottleneck activations);
//  contractive  reconstruct, plus weight · ‖f(x + ε) − f(x)‖² / σ², the finite-difference estimate of the
//               encoder's squared Jacobian norm ‖J_f(x)‖²_F for ε ~ N(0, σ²) (Rifai et al. 2011), per code element;
//  variational  a Gaussian code (mean and log-variance 1×1 convs), a reparameterised sample z = μ + σ·ε decoded,
//               plus β · KL(N(μ, σ²) ‖ N(0, 1)) per code element (Kingma & Welling 2014; β-VAE).
// Each term is a mean (per pixel, per code element), so the weights mean the same at any patch or model size.
import * as tf from '@tensorflow/tfjs';
import { corrupt, reconstructionLoss, type AutoencoderParts } from '../models/autoencoder.ts';
import type { ObjectiveSettings } from './pretrain-settings.ts';
import type { Rng } from './rng.ts';

const MASK_CELL = 8;
/** The contractive estimate's input perturbation, in normalised units: small, as the derivative wants. */
const CONTRACTIVE_SIGMA = 0.05;

/**
 * Zeroes (the normalised mean) one square block per patch covering `share` of its area at a random place;
 * the weights are 1 on the block only, so the loss asks for inpainting, not copying.
 */
export function maskBlock(clean: tf.Tensor4D, share: number, rng: Rng): { input: tf.Tensor4D; weights: tf.Tensor4D } {
  const [b, h, w] = clean.shape;
  const side = Math.max(1, Math.min(h, w, Math.round(Math.sqrt(share * h * w))));
  const mask = new Float32Array(b * h * w);
  for (let n = 0; n < b; n++) {
    const y0 = rng.int(h - side + 1);
    const x0 = rng.int(w - side + 1);
    for (let y = y0; y < y0 + side; y++) mask.fill(1, (n * h + y) * w + x0, (n * h + y) * w + x0 + side);
  }
  return tf.tidy(() => {
    const weights = tf.tensor4d(mask, [b, h, w, 1]);
    return { input: tf.mul(clean, tf.sub(1, weights)) as tf.Tensor4D, weights };
  });
}

/** The objective's loss on a clean batch; call inside optimizer.minimize. `seed` varies per step. */
export function objectiveLoss(parts: AutoencoderParts, clean: tf.Tensor4D, s: ObjectiveSettings, seed: number, rng: Rng): tf.Scalar {
  const encode = (x: tf.Tensor) => parts.encoder.apply(x, { training: true }) as tf.Tensor;
  const decode = (code: tf.Tensor) => parts.decoder.apply(code, { training: true }) as tf.Tensor;
  const all = tf.onesLike(tf.slice(clean, [0, 0, 0, 0], [-1, -1, -1, 1]));
  switch (s.objective) {
    case 'denoising':
    case 'context': {
      const { input, weights } = s.objective === 'context' ? maskBlock(clean, s.maskRatio, rng) : corrupt(clean, { denoiseSigma: s.denoiseSigma, maskRatio: s.maskRatio, maskCell: MASK_CELL }, seed);
      return reconstructionLoss(decode(encode(input)), clean, weights);
    }
    case 'sparse': {
      const code = encode(clean);
      return tf.add(reconstructionLoss(decode(code), clean, all), tf.mul(s.weight, tf.mean(tf.abs(code))));
    }
    case 'contractive': {
      const code = encode(clean);
      const nudged = encode(tf.add(clean, tf.randomNormal(clean.shape, 0, CONTRACTIVE_SIGMA, 'float32', seed)));
      const jacobian = tf.div(tf.mean(tf.squaredDifference(nudged, code)), CONTRACTIVE_SIGMA ** 2);
      return tf.add(reconstructionLoss(decode(code), clean, all), tf.mul(s.weight, jacobian));
    }
    case 'variational': {
      if (!parts.gaussian) throw new Error('the variational objective needs the autoencoder built with a Gaussian bottleneck');
      const [mean, logVariance] = parts.gaussian.apply(encode(clean), { training: true }) as tf.Tensor[];
      const z = tf.add(mean!, tf.mul(tf.exp(tf.mul(0.5, logVariance!)), tf.randomNormal(mean!.shape, 0, 1, 'float32', seed)));
      const kl = tf.mul(0.5, tf.mean(tf.sub(tf.add(tf.square(mean!), tf.exp(logVariance!)), tf.add(1, logVariance!))));
      return tf.add(reconstructionLoss(decode(z), clean, all), tf.mul(s.weight, kl));
    }
  }
}
