// Gaussian smoothing of a single-band map (row-major, width × height), separable: rows, then columns. The kernel
// reaches 3σ and is renormalised where it leaves the image, so borders are not darkened.

/** The 1-D kernel, radius ⌈3σ⌉, summing to 1. */
export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.ceil(3 * sigma);
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  return kernel;
}

/** A smoothed copy of `map`; σ = 0 returns a plain copy. */
export function gaussianSmooth(map: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (sigma <= 0) return map.slice();
  const kernel = gaussianKernel(sigma);
  const rows = new Float32Array(map.length);
  pass(map, rows, kernel, width, height, 1, width);
  const out = new Float32Array(map.length);
  pass(rows, out, kernel, height, width, width, 1);
  return out;
}

/** One 1-D pass along lines of `length` pixels `step` apart; `lines` lines, each starting `lineStep` after the last. */
function pass(from: Float32Array, to: Float32Array, kernel: Float32Array, length: number, lines: number, step: number, lineStep: number): void {
  const radius = (kernel.length - 1) / 2;
  for (let line = 0; line < lines; line++) {
    const start = line * lineStep;
    for (let i = 0; i < length; i++) {
      const lo = Math.max(0, i - radius);
      const hi = Math.min(length - 1, i + radius);
      let sum = 0;
      let weight = 0;
      for (let j = lo; j <= hi; j++) {
        const k = kernel[j - i + radius]!;
        sum += from[start + j * step]! * k;
        weight += k;
      }
      to[start + i * step] = sum / weight;
    }
  }
}
