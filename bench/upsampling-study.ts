// U-Net's decoder up-sampling against itself on the held-out ISBI 2012 membranes (../shared/data/isbi2012-membrane):
// nearest or bilinear resize then a 2×2 conv, or the paper's learnt 2×2 up-convolution (transpose). Each is trained
// in-process as `segwork train` trains (ONNX Runtime where it loads) on images 0–14 for the same steps and seed, then
// predicts images 15–19 whole (512², one forward pass, so no tile seam or blend touches the maps). Per run: the
// membrane IoU and the checkerboard index of the membrane-probability maps (src/metrics/checkerboard.ts: the energy
// of the 2×2 alternating pattern relative to the gradient energy; 1 for a pure checkerboard). JSON lines on stdout,
// a markdown table at the end; --figure PATH writes the crops side by side (image, truth, each mode's probability
// and its 2×2 pattern) as a PNG.
//   npm run bench:upsampling -- [--seeds 1,2] [--epochs 6] [--steps 20] [--size 128] [--batch 4] [--figure PATH]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { chooseEngine, initBackend } from '../src/compute/backends.ts';
import { openInferenceModel } from '../src/inference/inference-model.ts';
import { checkerboardEnergies } from '../src/metrics/checkerboard.ts';
import { ConfusionMatrix } from '../src/metrics/confusion.ts';
import { UPSAMPLING_MODES, type Upsampling } from '../src/models/unet.ts';
import { loadLabeledImages, pairImagesWithLabels, type LabeledImage } from '../src/training/dataset.ts';
import { DEFAULT_TRAIN_OPTIONS, train } from '../src/training/loop.ts';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2' },
    epochs: { type: 'string', default: '6' },
    steps: { type: 'string', default: '20' },
    size: { type: 'string', default: '128' },
    batch: { type: 'string', default: '4' },
    figure: { type: 'string' },
  },
});
const data = path.resolve(import.meta.dirname, '../../shared/data/isbi2012-membrane/train');
const MEMBRANE = 0;
/** The figure's crop of held-out image 15: top-left corner, side, and magnification (nearest, so pixels stay pixels). */
const CROP = { x: 190, y: 150, side: 64, zoom: 3 };

const labeled = async (names: number[]) => {
  const { pairs } = await pairImagesWithLabels(path.join(data, 'image'), path.join(data, 'label'));
  return loadLabeledImages(pairs.filter((p) => names.includes(Number(p.name))).sort((a, b) => Number(a.name) - Number(b.name)), { labelValues: [0, 255] });
};
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
const trainImages = await labeled(range(0, 14));
const heldOut = await labeled(range(15, 19));
if (trainImages.length === 0) {
  console.log(`${data} is absent: study skipped`);
  process.exit(0);
}
const classes = [
  { index: 0, name: 'membrane', color: '#000000' },
  { index: 1, name: 'cell', color: '#ffffff' },
];
const backend = await initBackend();
const engine = await chooseEngine();
const scratch = mkdtempSync(path.join(os.tmpdir(), 'segwork-upsampling-study-'));
console.error(`training on ${engine.kind === 'onnxruntime' ? 'ONNX Runtime' : backend}, ${os.cpus().length} CPU(s), ${os.cpus()[0]?.model}`);

/** The membrane probability of every held-out image, each predicted whole. */
async function membraneMaps(modelDir: string, images: LabeledImage[]): Promise<Float32Array[]> {
  const model = await openInferenceModel(modelDir);
  const { mean, std } = model.meta.normalisation;
  const maps: Float32Array[] = [];
  for (const im of images) {
    const input = Float32Array.from(im.image, (v, i) => (v - mean[i % im.bands]!) / std[i % im.bands]!);
    const probs = await model.predict({ data: input, count: 1, height: im.height, width: im.width, channels: im.bands });
    maps.push(Float32Array.from({ length: im.width * im.height }, (_, p) => probs.data[p * probs.channels + MEMBRANE]!));
  }
  await model.dispose();
  return maps;
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;
const rows: { mode: Upsampling; seed: number; membraneIoU: number; checkerboard: number; seconds: number }[] = [];
const figureMaps = new Map<Upsampling, Float32Array>();
const seeds = args.seeds!.split(',').map(Number);
try {
  for (const seed of seeds) {
    for (const mode of UPSAMPLING_MODES) {
      const started = Date.now();
      const outDir = path.join(scratch, `${mode}-${seed}`);
      const options = {
        ...DEFAULT_TRAIN_OPTIONS, architecture: 'unet', preset: 'small', modelConfig: { upsampling: mode }, patchSize: Number(args.size), batchSize: Number(args.batch),
        epochs: Number(args.epochs), stepsPerEpoch: Number(args.steps), valSplit: 0, seed, earlyStoppingPatience: 1000,
      };
      await train({ train: trainImages, val: [], classes, options, outDir, backend, engine, labelValues: [0, 255] });
      const maps = await membraneMaps(outDir, heldOut);
      const confusion = new ConfusionMatrix(2);
      let [pattern, gradient] = [0, 0];
      maps.forEach((map, i) => {
        const im = heldOut[i]!;
        confusion.add(im.mask, Uint8Array.from(map, (p) => (p >= 0.5 ? MEMBRANE : 1)));
        const e = checkerboardEnergies(map, im.width, im.height);
        pattern += e.pattern;
        gradient += e.gradient;
      });
      if (seed === seeds[0]) figureMaps.set(mode, maps[0]!);
      const row = { mode, seed, membraneIoU: round(confusion.report(classes.map((c) => c.name)).perClass[MEMBRANE]!.iou!), checkerboard: round(pattern / (2 * gradient)), seconds: round((Date.now() - started) / 1000, 1) };
      rows.push(row);
      console.log(JSON.stringify({ ...row, steps: options.epochs * options.stepsPerEpoch, patch: options.patchSize, batch: options.batchSize }));
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const stats = (values: number[]) => {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return `${values.map((v) => v.toFixed(3)).join(' / ')} (${mean.toFixed(3)})`;
};
console.log(`\n| up-sampling | membrane IoU, seeds ${seeds.join(' / ')} (mean) | checkerboard index, seeds ${seeds.join(' / ')} (mean) |`);
console.log('|---|---|---|');
for (const mode of UPSAMPLING_MODES) {
  const of = rows.filter((r) => r.mode === mode);
  console.log(`| ${mode} | ${stats(of.map((r) => r.membraneIoU))} | ${stats(of.map((r) => r.checkerboard))} |`);
}
if (args.figure) writeFigure(args.figure);

/**
 * Top row: image, truth and each mode's membrane probability (black = 1) over the same crop of image 15; bottom row,
 * under each mode: |D|, the 2×2 alternating pattern the index sums (black = strong), on one scale for all three.
 */
function writeFigure(file: string): void {
  const im = heldOut[0]!;
  const { side, zoom } = CROP;
  const at = (x: number, y: number) => (CROP.y + y) * im.width + CROP.x + x;
  const pattern = (p: Float32Array) => (x: number, y: number) => Math.abs(p[at(x, y)]! - p[at(x + 1, y)]! - p[at(x, y + 1)]! + p[at(x + 1, y + 1)]!);
  const patterns = UPSAMPLING_MODES.map((mode) => pattern(figureMaps.get(mode)!));
  const all = patterns.flatMap((d) => Array.from({ length: side * side }, (_, i) => d(i % side, Math.floor(i / side)))).sort((a, b) => a - b);
  const scale = all[Math.floor(0.99 * (all.length - 1))]! || 1;
  const blank = () => 1;
  const rows: ((x: number, y: number) => number)[][] = [
    [
      (x, y) => im.image[at(x, y) * im.bands]! / 255,
      (x, y) => (im.mask[at(x, y)] === MEMBRANE ? 0 : 1),
      ...UPSAMPLING_MODES.map((mode) => (x: number, y: number) => 1 - figureMaps.get(mode)![at(x, y)]!),
    ],
    [blank, blank, ...patterns.map((d) => (x: number, y: number) => 1 - d(x, y) / scale)],
  ];
  const gap = 4;
  const cell = side * zoom;
  const png = new PNG({ width: rows[0]!.length * (cell + gap) - gap, height: rows.length * (cell + gap) - gap });
  png.data.fill(255);
  rows.forEach((panels, row) =>
    panels.forEach((value, k) => {
      for (let y = 0; y < cell; y++) {
        for (let x = 0; x < cell; x++) {
          const v = Math.round(255 * Math.min(1, Math.max(0, value(Math.floor(x / zoom), Math.floor(y / zoom)))));
          const i = ((row * (cell + gap) + y) * png.width + k * (cell + gap) + x) * 4;
          png.data[i] = png.data[i + 1] = png.data[i + 2] = v;
        }
      }
    }),
  );
  writeFileSync(file, PNG.sync.write(png, { colorType: 0 }));
  console.error(`figure: ${file} (image, truth, ${UPSAMPLING_MODES.join(', ')}; below each mode |D| up to ${scale.toFixed(3)}; ${side}² crop at ${CROP.x},${CROP.y} of image 15, ×${zoom})`);
}
