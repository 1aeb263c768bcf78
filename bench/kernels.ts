// Benchmarks the wasm training kernels: one 3×3 conv forward + backward at 8×256×256×16→16, and one
// training step of a small conv net. Prints one JSON line per measurement (median of N runs).
// Run: node --import tsx bench/kernels.ts [runs]
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/compute/backends.ts';

const runs = Number(process.argv[2] ?? 5);

async function median(label: string, run: () => Promise<void>, extra: Record<string, unknown> = {}): Promise<void> {
  await run(); // warm-up: XNNPACK operator creation, allocations
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  console.log(JSON.stringify({ bench: label, backend: tf.getBackend(), medianMs: Math.round(ms * 10) / 10, runs, minMs: Math.round(times[0] * 10) / 10, ...extra }));
}

async function convForwardBackward(): Promise<void> {
  const x = tf.randomNormal([8, 256, 256, 16]) as tf.Tensor4D;
  const filter = tf.randomNormal([3, 3, 16, 16], 0, 0.1) as tf.Tensor4D;
  const dy = tf.randomNormal([8, 256, 256, 16]) as tf.Tensor4D;
  const timed = (compute: () => tf.Tensor[]) => async () => {
    const outputs = compute();
    await Promise.all(outputs.map((t) => t.data()));
    tf.dispose(outputs);
  };
  const shape = { input: x.shape, filter: filter.shape };
  await median('conv3x3 forward', timed(() => [tf.conv2d(x, filter, 1, 'same')]), shape);
  await median('conv3x3 filter gradient', timed(() => [tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: filter.shape }) as tf.Tensor]), shape);
  await median('conv3x3 input gradient', timed(() => [tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: x.shape }) as tf.Tensor]), shape);
  await median('conv3x3 forward+backward', timed(() => {
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), dy)))([x, filter]);
    return [dx, dw];
  }), { ...shape, referencePyTorchMs: 131, referenceNaiveGemmWasmFilterGradMs: 2095 });
  tf.dispose([x, filter, dy]);
}

async function smallNetTrainStep(): Promise<void> {
  const input = tf.input({ shape: [128, 128, 3] });
  const conv = (filters: number) => tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu' });
  const down1 = conv(16).apply(input) as tf.SymbolicTensor;
  const down2 = conv(32).apply(tf.layers.maxPooling2d({ poolSize: 2 }).apply(down1)) as tf.SymbolicTensor;
  const up = tf.layers.upSampling2d({ size: [2, 2] }).apply(down2) as tf.SymbolicTensor;
  const merged = tf.layers.concatenate().apply([up, down1]) as tf.SymbolicTensor;
  const output = tf.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'softmax' }).apply(conv(16).apply(merged)) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  const x = tf.randomUniform([8, 128, 128, 3]);
  const y = tf.oneHot(tf.randomUniform([8, 128, 128], 0, 3, 'int32'), 3);
  await median('small U-Net train step', async () => { await model.trainOnBatch(x, y); }, { batch: 8, patch: 128, parameters: model.countParams() });
  model.dispose();
  tf.dispose([x, y]);
}

await initBackend(process.env.SEGWORK_BACKEND ?? 'wasm');
await convForwardBackward();
await smallNetTrainStep();
