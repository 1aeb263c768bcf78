// Convolution FLOPs per image of each bench model, counted from the kernels one predict really runs (tf.profile),
// and the GFLOP/s XNNPACK reaches on one large 3×3 convolution here: the arithmetic behind the speed goals.
// A training step does about 3× the forward convolution FLOPs (forward, input gradient, filter gradient).
//   node --import tsx bench/flops.ts [--models unet,segnet,deeplab] [--size 256] [--backend wasm]
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/compute/backends.ts';
import { activeWasmThreads } from '../src/compute/wasm-threads.ts';
import { getArchitecture, resolveConfig } from '../src/models/index.ts';

const ARCHITECTURES: Record<string, string> = { unet: 'unet', segnet: 'segnet-basic', deeplab: 'deeplab' };
const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'unet,segnet,deeplab' },
    size: { type: 'string', default: '256' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const size = Number(args.size);
await initBackend(args.backend!);

const product = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Multiply-adds × 2 of a convolution kernel call, from its input and output shapes (NHWC). */
function convFlops(name: string, inputShapes: number[][], outputShapes: number[][]): number {
  const out = outputShapes[0]!;
  const filter = inputShapes[1]!;
  if (name === 'Conv2D' || name === 'FusedConv2D') return 2 * product(out) * filter[0]! * filter[1]! * filter[2]!;
  if (name === 'DepthwiseConv2dNative' || name === 'FusedDepthwiseConv2D') return 2 * product(out) * filter[0]! * filter[1]!;
  if (name === 'Conv2DBackpropInput') return 2 * product(inputShapes[0]!) * filter[0]! * filter[1]! * filter[2]!;
  return 0;
}

for (const name of args.models!.split(',')) {
  const architecture = ARCHITECTURES[name];
  if (!architecture) throw new Error(`unknown model '${name}'`);
  const model = getArchitecture(architecture).build(resolveConfig(architecture, { inputChannels: 3, numClasses: 4 }, 'standard'));
  const x = tf.randomNormal([1, size, size, 3]);
  const info = await tf.profile(() => model.predict(x) as tf.Tensor);
  const flops = info.kernels.reduce((sum, k) => sum + convFlops(k.name, k.inputShapes as number[][], k.outputShapes as number[][]), 0);
  console.log(JSON.stringify({ model: name, size, forwardConvGflopPerImage: Math.round(flops / 1e7) / 100, trainConvGflopPerImage: Math.round((3 * flops) / 1e7) / 100 }));
  tf.dispose(x);
  model.dispose();
}

// Sustained convolution throughput: a 3×3 conv 64→64 at 4×128×128 (a U-Net-like layer), median of 5.
const x = tf.randomNormal([4, 128, 128, 64]) as tf.Tensor4D;
const filter = tf.randomNormal([3, 3, 64, 64], 0, 0.05) as tf.Tensor4D;
const flops = 2 * 4 * 128 * 128 * 64 * 64 * 9;
const times: number[] = [];
for (let i = 0; i < 6; i++) {
  const start = performance.now();
  const y = tf.conv2d(x, filter, 1, 'same');
  await y.data();
  y.dispose();
  if (i > 0) times.push(performance.now() - start);
}
const ms = times.sort((a, b) => a - b)[times.length >> 1]!;
console.log(JSON.stringify({
  bench: 'conv3x3 64→64 at 4×128×128', backend: tf.getBackend(), threads: args.backend === 'wasm' ? activeWasmThreads() : undefined,
  medianMs: Math.round(ms), gflopPerSecond: Math.round(flops / ms / 1e5) / 10, loadAverage: os.loadavg()[0]!.toFixed(2),
}));
process.exit(0);
