// Memory of one training step: the most tensor bytes alive at once (what the gradient tape keeps) and the wasm
// heap it grew to, which never shrinks and stops at 4 GB (so give one model per run for its own heap figure).
//   node --import tsx bench/step-memory.ts [--models segnet] [--backend wasm] [--size 256] [--batch 1]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { initBackend } from '../src/compute/backends.ts';
import { getArchitecture, resolveConfig } from '../src/models/index.ts';
import { segmentationLoss } from '../src/training/losses.ts';

const ARCHITECTURES: Record<string, string> = { unet: 'unet', segnet: 'segnet-basic', deeplab: 'deeplab' };
const CLASSES = 4;

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'segnet' },
    backend: { type: 'string', default: 'wasm' },
    size: { type: 'string', default: '256' },
    batch: { type: 'string', default: '1' },
  },
});
const size = Number(args.size);
const batch = Number(args.batch);
await initBackend(args.backend);

/** Bytes of the wasm heap (null on other backends). */
function wasmHeapBytes(): number | null {
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8;
  return heap ? heap.length : null;
}

for (const name of args.models!.split(',')) {
  const architecture = ARCHITECTURES[name];
  if (!architecture) throw new Error(`unknown model '${name}': choose from ${Object.keys(ARCHITECTURES).join(', ')}`);
  const model = getArchitecture(architecture).build(resolveConfig(architecture, { inputChannels: 3, numClasses: CLASSES }, 'standard'));
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1);
  const y = tf.randomUniform([batch, size, size], 0, CLASSES, 'int32', 2);
  const info = await tf.profile(async () => {
    const loss = tf.tidy(() => optimizer.minimize(() => segmentationLoss(model.apply(x, { training: true }) as tf.Tensor4D, y as tf.Tensor3D, { numClasses: CLASSES, diceWeight: 0 }), true)!);
    await loss.data();
    loss.dispose();
  });
  const heap = wasmHeapBytes();
  console.log(JSON.stringify({ model: name, backend: args.backend, size, batch, peakTensorMB: Math.round(info.peakBytes / 1e6), wasmHeapMB: heap == null ? null : Math.round(heap / 1e6) }));
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
}
process.exit(0);
