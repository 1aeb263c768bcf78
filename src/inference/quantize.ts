// Compact storage of class probabilities: uint8 (p·255 rounded) or IEEE float16, as class-major planes
// (numClasses planes of width·height), the layout PredictionPayload and probability TIFFs use.
// Input and output probabilities are pixel-interleaved (HWC) Float32Arrays.

function planeCount(probs: ArrayLike<number>, numClasses: number): number {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new Error(`quantize: numClasses must be a positive integer, got ${numClasses}`);
  if (probs.length % numClasses !== 0) throw new Error(`quantize: ${probs.length} values are not a whole number of ${numClasses}-class pixels`);
  return probs.length / numClasses;
}

/** HWC float probabilities → class-major uint8 planes; values outside 0..1 are clamped. */
export function quantizeUint8(probs: Float32Array, numClasses: number): Uint8Array {
  const pixels = planeCount(probs, numClasses);
  const out = new Uint8Array(probs.length);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < numClasses; c++) {
      const p = probs[i * numClasses + c];
      // NaN fails both comparisons and lands on 0.
      out[c * pixels + i] = p >= 1 ? 255 : p > 0 ? Math.round(p * 255) : 0;
    }
  }
  return out;
}

/** HWC float probabilities → HWC uint8 (the probability TIFF's pixel-interleaved layout); same rounding as quantizeUint8. */
export function quantizeUint8Pixels(probs: Float32Array, numClasses: number): Uint8Array {
  planeCount(probs, numClasses);
  const out = new Uint8Array(probs.length);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    out[i] = p >= 1 ? 255 : p > 0 ? Math.round(p * 255) : 0;
  }
  return out;
}

/** Class-major uint8 planes → HWC float probabilities (each within 1/510 of the original). */
export function dequantizeUint8(planes: Uint8Array, numClasses: number): Float32Array {
  const pixels = planeCount(planes, numClasses);
  const out = new Float32Array(planes.length);
  for (let c = 0; c < numClasses; c++) {
    for (let i = 0; i < pixels; i++) out[i * numClasses + c] = planes[c * pixels + i] / 255;
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One float → IEEE 754 half-precision bits, rounding to nearest even. */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf or NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    if (e < -10) return sign; // underflow → ±0
    mant |= 0x800000; // subnormal: make the implicit bit explicit, then shift into place
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rounded = mant + half - 1 + ((mant >>> shift) & 1);
    return sign | (rounded >>> shift);
  }
  // Normal: round the 13 dropped bits to nearest even; a carry rolls into the exponent correctly.
  const rounded = mant + 0xfff + ((mant >>> 13) & 1);
  return (sign | (e << 10)) + (rounded >>> 13);
}

/** IEEE 754 half-precision bits → float. */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** HWC float probabilities → class-major float16 planes. */
export function quantizeFloat16(probs: Float32Array, numClasses: number): Uint16Array {
  const pixels = planeCount(probs, numClasses);
  const out = new Uint16Array(probs.length);
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < numClasses; c++) out[c * pixels + i] = toFloat16Bits(probs[i * numClasses + c]);
  }
  return out;
}

/** Class-major float16 planes → HWC float probabilities. */
export function dequantizeFloat16(planes: Uint16Array, numClasses: number): Float32Array {
  const pixels = planeCount(planes, numClasses);
  const out = new Float32Array(planes.length);
  for (let c = 0; c < numClasses; c++) {
    for (let i = 0; i < pixels; i++) out[i * numClasses + c] = fromFloat16Bits(planes[c * pixels + i]);
  }
  return out;
}
