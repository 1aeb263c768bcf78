// Does encoder pre-training help when only 3 membrane images are labeled? For each objective (and none), the
// encoder is pre-trained on the 30 unlabeled ISBI 2012 images, a small U-Net is fine-tuned on labeled images 0–2,
// and scored on held-out images 15–19 it never saw. Fixed step counts (the machine is shared, so wall-clock budgets
// would measure its load), one seed per repeat for both pre-training and fine-tuning; JSON lines on stdout.
// Fine-tuning runs where `segwork train` runs it (ONNX Runtime where it loads), pre-training on TensorFlow.js.
//   node bin/run-ts.js bench/pretrain-study.ts [--seeds 1,2,3] [--pretrain-steps 30] [--epochs 3] [--steps 10] [--size 64]
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { PretrainObjective } from '../src/api/types.ts';
import { chooseEngine, initBackend } from '../src/compute/backends.ts';
import { evaluateImages } from '../src/inference/evaluate.ts';
import { openInferenceModel } from '../src/inference/inference-model.ts';
import { DEFAULT_TILE_OPTIONS } from '../src/inference/tiler.ts';
import { getArchitecture } from '../src/models/index.ts';
import { loadLabeledImages, pairImagesWithLabels } from '../src/training/dataset.ts';
import { DEFAULT_TRAIN_OPTIONS, train } from '../src/training/loop.ts';
import { pretrainEncoder } from '../src/training/pretrain.ts';
import { defaultObjectiveSettings } from '../src/training/pretrain-settings.ts';
import { readUnlabeledImages } from '../src/training/unlabeled-images.ts';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3' },
    'pretrain-steps': { type: 'string', default: '30' },
    epochs: { type: 'string', default: '3' },
    steps: { type: 'string', default: '10' },
    size: { type: 'string', default: '64' },
    only: { type: 'string' },
  },
});
const data = path.resolve(import.meta.dirname, '../../shared/data/isbi2012-membrane');
const seeds = args.seeds!.split(',').map(Number);
const arms = ([
  { name: 'from scratch' },
  { name: 'denoising', objective: 'denoising' },
  { name: 'context', objective: 'context' },
  { name: 'sparse', objective: 'sparse' },
  { name: 'contractive', objective: 'contractive' },
  { name: 'variational', objective: 'variational' },
  { name: 'denoising, stacked', objective: 'denoising', stacked: true },
] as { name: string; objective?: PretrainObjective; stacked?: boolean }[]).filter((a) => !args.only || args.only.split('|').includes(a.name));

const backend = await initBackend();
const engine = await chooseEngine();
const patchSize = Number(args.size);
const labeled = async (names: number[]) => {
  const { pairs } = await pairImagesWithLabels(path.join(data, 'train/image'), path.join(data, 'train/label'));
  return loadLabeledImages(pairs.filter((p) => names.includes(Number(p.name))), { labelValues: [0, 255] });
};
const few = await labeled([0, 1, 2]);
const heldOut = await labeled([15, 16, 17, 18, 19]);
const unlabeled = await readUnlabeledImages(readdirSync(path.join(data, 'unlabeled')).map((f) => path.join(data, 'unlabeled', f)));
const classes = [
  { index: 0, name: 'membrane', color: '#000000' },
  { index: 1, name: 'cell', color: '#ffffff' },
];
const scratch = mkdtempSync(path.join(os.tmpdir(), 'segwork-pretrain-study-'));
console.error(`pre-training on ${backend}, fine-tuning on ${engine.kind}, ${os.cpus().length} CPU(s), ${unlabeled.length} unlabeled, ${few.length} labeled, ${heldOut.length} held-out`);
try {
  for (const seed of seeds) {
    for (const arm of arms) {
      const started = Date.now();
      const encoderDir = path.join(scratch, `encoder-${seed}`);
      let pretrain = null;
      if (arm.objective) {
        rmSync(encoderDir, { recursive: true, force: true });
        pretrain = await pretrainEncoder({
          images: unlabeled, architecture: 'unet', preset: 'small', outDir: encoderDir, backend,
          objective: defaultObjectiveSettings(arm.objective), stacked: arm.stacked ?? false,
          patchSize, batchSize: 4, learningRate: 1e-3, timeBudgetSeconds: 1e9, maxSteps: Number(args['pretrain-steps']), seed,
        });
      }
      const outDir = path.join(scratch, `model-${seed}`);
      rmSync(outDir, { recursive: true, force: true });
      const options = { ...DEFAULT_TRAIN_OPTIONS, patchSize, epochs: Number(args.epochs), stepsPerEpoch: Number(args.steps), valSplit: 0, seed, earlyStoppingPatience: 1000 };
      await train({ train: few, val: [], classes, options, outDir, backend, engine, labelValues: [0, 255], ...(pretrain ? { initEncoderDir: encoderDir } : {}) });
      const model = await openInferenceModel(outDir);
      const { meta } = model;
      const evaluation = await evaluateImages((x) => model.predict(x), heldOut, meta.normalisation, 2, getArchitecture('unet').sizeMultiple(meta.config), DEFAULT_TILE_OPTIONS);
      await model.dispose();
      const report = evaluation.confusion.report(classes.map((c) => c.name));
      console.log(JSON.stringify({
        arm: arm.name, seed, pretrainSteps: pretrain?.steps ?? 0, pretrainLoss: pretrain ? [pretrain.firstLoss, pretrain.lastLoss] : null,
        fineTuneSteps: options.epochs * options.stepsPerEpoch, meanIoU: report.meanIoU, membraneIoU: report.perClass[0]!.iou, seconds: (Date.now() - started) / 1000,
      }));
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
