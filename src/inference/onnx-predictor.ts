// The ONNX Runtime engine for forward passes: tiles go in as NCHW (the exported graph's layout) and the
// probabilities come back NHWC, the tiler's layout. The two transposes are plain copies, small beside the convolutions.
import type { OnnxSession } from '../compute/onnxruntime.ts';
import { ONNX_INPUT, ONNX_OUTPUT } from '../models/onnx/export.ts';
import type { TilePredictor } from './tiler.ts';

/** [n, h, w, c] → [n, c, h, w]. */
export function nhwcToNchw(data: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let p = 0; p < plane; p++) {
      for (let k = 0; k < c; k++) out[base + k * plane + p] = data[base + p * c + k]!;
    }
  }
  return out;
}

/** [n, c, h, w] → [n, h, w, c]. */
export function nchwToNhwc(data: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let k = 0; k < c; k++) {
      const from = base + k * plane;
      for (let p = 0; p < plane; p++) out[base + p * c + k] = data[from + p]!;
    }
  }
  return out;
}

export function onnxPredictor({ session, ort }: OnnxSession): TilePredictor {
  return async ({ data, count, height, width, channels }) => {
    const input = new ort.Tensor('float32', nhwcToNchw(data, count, height, width, channels), [count, channels, height, width]);
    const result = await session.run({ [ONNX_INPUT]: input });
    const probs = result[ONNX_OUTPUT]!;
    const [n, classes, h, w] = probs.dims as number[];
    const values = nchwToNhwc(probs.data as Float32Array, n!, classes!, h!, w!);
    input.dispose();
    probs.dispose();
    return { data: values, count: n!, height: h!, width: w!, channels: classes! };
  };
}
