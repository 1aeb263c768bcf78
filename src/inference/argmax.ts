// The class decision: the most probable class of each pixel.

/** Argmax of pixel-interleaved probabilities. */
export function argmaxClasses(probs: Float32Array, numClasses: number): Uint8Array {
  const out = new Uint8Array(probs.length / numClasses);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (probs[i * numClasses + k]! > probs[i * numClasses + best]!) best = k;
    out[i] = best;
  }
  return out;
}
