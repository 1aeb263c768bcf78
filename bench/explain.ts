// What a Grad-CAM costs beside one forward + backward pass of the same model on the same image (issue 5: ≤ 2×).
//   node --import tsx bench/explain.ts [--models unet,segnet-basic,deeplab] [--preset standard] [--size 512]
//                                      [--backend wasm] [--repeats 3] [--channels 3] [--classes 4]
// The reference pass is the backward a training step does: gradients of the summed logits with respect to every
// trainable weight. The CAM is computeCam on one tile of the whole image (default layer, default region).
// Prints one JSON line per model: {model, preset, backend, size, forwardBackwardMs, camMs, ratio, layer}.
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/compute/backends.ts';
import { computeCam } from '../src/inference/cam.ts';
import { memorySource } from '../src/inference/tiler.ts';
import { architectureNames, getArchitecture, resolveConfig } from '../src/models/index.ts';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string' },
    preset: { type: 'string', default: 'standard' },
    size: { type: 'string', default: '512' },
    backend: { type: 'string', default: 'wasm' },
    repeats: { type: 'string', default: '3' },
    channels: { type: 'string', default: '3' },
    classes: { type: 'string', default: '4' },
  },
});

const size = Number(args.size);
const repeats = Number(args.repeats);
const channels = Number(args.channels);
const classes = Number(args.classes);
const backend = await initBackend(args.backend);
const models = args.models?.split(',') ?? architectureNames();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One warm-up, then the median of `repeats` timed runs. */
async function time(run: () => Promise<void>): Promise<number> {
  await run();
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await run();
    ms.push(performance.now() - start);
  }
  return median(ms);
}

for (const name of models) {
  const arch = getArchitecture(name);
  const config = resolveConfig(name, { inputChannels: channels, numClasses: classes }, args.preset);
  const model = arch.build(config);
  const pixels = new Float32Array(size * size * channels).map((_, i) => Math.sin(i * 0.37) * 100 + 128);
  const norm = { mean: Array(channels).fill(128), std: Array(channels).fill(64) };
  const input = tf.tidy(() => tf.div(tf.sub(tf.tensor4d(pixels, [1, size, size, channels]), 128), 64)) as tf.Tensor4D;
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);

  const forwardBackwardMs = await time(async () => {
    const { grads } = tf.variableGrads(() => tf.sum(model.apply(input, { training: true }) as tf.Tensor) as tf.Scalar, weights);
    await Promise.all(Object.values(grads).map((g) => g.data()));
    tf.dispose(grads);
  });
  const layer = arch.defaultCamLayer(model, config);
  const camMs = await time(async () => {
    await computeCam(model, memorySource(pixels, size, size, channels), norm, arch.sizeMultiple(config), { classIndex: 1, layer }, { tile: size, overlap: 0.5, batch: 1 });
  });
  console.log(JSON.stringify({ model: name, preset: args.preset, backend, size, forwardBackwardMs: Math.round(forwardBackwardMs), camMs: Math.round(camMs), ratio: +(camMs / forwardBackwardMs).toFixed(2), layer }));
  input.dispose();
  model.dispose();
}
