// Where one training step (or one predict) spends its time, per kernel: the hot paths to optimise.
//   node --import tsx bench/profile-step.ts [unet|segnet|deeplab] [--backend wasm] [--size 256] [--batch 4] [--infer]
// Prints the kernels sorted by total milliseconds (wall time of each kernel call, inputs' shapes grouped).
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/compute/backends.ts';
import { activeWasmThreads } from '../src/compute/wasm-threads.ts';
import { getArchitecture, resolveConfig } from '../src/models/index.ts';
import { segmentationLoss } from '../src/training/losses.ts';

const ARCHITECTURES: Record<string, string> = { unet: 'unet', segnet: 'segnet-basic', deeplab: 'deeplab' };

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', default: 'wasm' },
    size: { type: 'string', default: '256' },
    batch: { type: 'string', default: '4' },
    infer: { type: 'boolean', default: false },
    top: { type: 'string', default: '25' },
  },
});
const name = positionals[0] ?? 'unet';
const architecture = ARCHITECTURES[name];
if (!architecture) throw new Error(`unknown model '${name}': choose from ${Object.keys(ARCHITECTURES).join(', ')}`);
const size = Number(args.size);
const batch = Number(args.batch);
const classes = 4;

await initBackend(args.backend);
const model = getArchitecture(architecture).build(resolveConfig(architecture, { inputChannels: 3, numClasses: classes }, 'standard'));
const optimizer = tf.train.adam(1e-3);
const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
const x = tf.randomNormal([batch, size, size, 3]) as tf.Tensor4D;
const y = tf.randomUniform([batch, size, size], 0, classes, 'int32') as tf.Tensor3D;

async function step(): Promise<void> {
  const out = tf.tidy(() => args.infer
    ? tf.sum(model.predict(x) as tf.Tensor)
    : optimizer.minimize(() => segmentationLoss(model.apply(x, { training: true }) as tf.Tensor4D, y, { numClasses: classes, diceWeight: 0 }), true, varList)!);
  await out.data();
  out.dispose();
}

await step(); // warm-up: operator creation
const start = performance.now();
const info = await tf.profile(step);
const wallMs = performance.now() - start;
const totals = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(' ')}`;
  const entry = totals.get(key) ?? { ms: 0, calls: 0 };
  entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  entry.calls++;
  totals.set(key, entry);
}
const byKernel = new Map<string, number>();
for (const [key, { ms }] of totals) byKernel.set(key.split(' ')[0]!, (byKernel.get(key.split(' ')[0]!) ?? 0) + ms);
const kernelMs = [...byKernel.values()].reduce((a, b) => a + b, 0);
console.log(`${name} ${args.infer ? 'predict' : 'train step'} on ${tf.getBackend()}${args.backend === 'wasm' ? ` ×${activeWasmThreads()}` : ''}: ${wallMs.toFixed(0)} ms wall (profiled), ${kernelMs.toFixed(0)} ms in kernels`);
console.log('by kernel:', [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, ms]) => `${k} ${ms.toFixed(0)}`).join(', '));
for (const [key, { ms, calls }] of [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(args.top))) {
  console.log(`${ms.toFixed(1).padStart(9)} ms ${String(calls).padStart(3)}× ${key}`);
}
process.exit(0);
