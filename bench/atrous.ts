// DeepLab's atrous convolutions (standard preset, 256², batch 4: stage 4 at rate 2, ASPP at 6/12/18), direct
// dilated conv vs space-to-batch, forward and forward+backward. Both paths alternate within one process, so
// their ratio holds under the machine's load even when the absolute times do not.
//   node --import tsx bench/atrous.ts [--backend wasm] [--runs 5]
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/compute/backends.ts';
import { atrousConv2d, spaceToBatchAtrousConv2d } from '../src/models/layers/atrous-conv.ts';

const { values: args } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, runs: { type: 'string', default: '5' } } });
const runs = Number(args.runs);
await initBackend(args.backend!);

// [input channels, output channels, rate, how many such layers in the model]
const LAYERS: Array<[number, number, number, number]> = [[128, 256, 2, 1], [256, 256, 2, 3], [256, 256, 6, 1], [256, 256, 12, 1], [256, 256, 18, 1]];
const PATHS = {
  // What the model runs on wasm: one dilated convolution, without the taps that read only padding.
  direct: (x: tf.Tensor4D, k: tf.Tensor4D, rate: number) => atrousConv2d(x, k, rate, false),
  spaceToBatch: (x: tf.Tensor4D, k: tf.Tensor4D, rate: number) => spaceToBatchAtrousConv2d(x, k, rate, false),
};

async function timeOnce(compute: () => tf.Tensor[]): Promise<number> {
  const start = performance.now();
  const outputs = tf.tidy(compute);
  await Promise.all(outputs.map((t) => t.data()));
  tf.dispose(outputs);
  return performance.now() - start;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
const totals: Record<string, Record<string, number>> = { direct: { forward: 0, train: 0 }, spaceToBatch: { forward: 0, train: 0 } };
for (const [cin, cout, rate, count] of LAYERS) {
  const x = tf.randomNormal([4, 16, 16, cin]) as tf.Tensor4D;
  const kernel = tf.randomNormal([3, 3, cin, cout], 0, 0.05) as tf.Tensor4D;
  const dy = tf.randomNormal([4, 16, 16, cout]);
  const times: Record<string, { forward: number[]; train: number[] }> = { direct: { forward: [], train: [] }, spaceToBatch: { forward: [], train: [] } };
  for (let i = 0; i <= runs; i++) {
    for (const [name, conv] of Object.entries(PATHS)) {
      const forward = await timeOnce(() => [conv(x, kernel, rate)]);
      const train = await timeOnce(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D, rate), dy)))([x, kernel]));
      if (i === 0) continue; // warm-up: XNNPACK operator creation
      times[name]!.forward.push(forward);
      times[name]!.train.push(train);
    }
  }
  const row: Record<string, unknown> = { layer: `[4,16,16,${cin}]→${cout} rate ${rate}`, count };
  for (const name of Object.keys(PATHS)) {
    row[`${name}ForwardMs`] = Math.round(median(times[name]!.forward));
    row[`${name}TrainMs`] = Math.round(median(times[name]!.train));
    totals[name]!.forward += count * median(times[name]!.forward);
    totals[name]!.train += count * median(times[name]!.train);
  }
  console.log(JSON.stringify(row));
  tf.dispose([x, kernel, dy]);
}
console.log(JSON.stringify({
  backend: tf.getBackend(), runs, loadAverage: os.loadavg()[0]!.toFixed(2),
  modelTotalMs: Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, { forward: Math.round(v.forward), train: Math.round(v.train) }])),
  trainSpeedup: (totals.spaceToBatch!.train / totals.direct!.train).toFixed(2),
  forwardSpeedup: (totals.spaceToBatch!.forward / totals.direct!.forward).toFixed(2),
}));
process.exit(0);
