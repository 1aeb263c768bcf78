// Architectures against each other on held-out images of a real dataset, each trained through `segwork train` then
// scored by `segwork eval` on images no run saw. One JSON line per model (per-class and mean IoU, steps, wall time)
// to OUT/results.jsonl, and a markdown table.
// - membranes (ISBI 2012, ../shared/data/isbi2012-membrane): train on images 0–14 (its validation split among
//   them), score 15–19; the same number of steps per model, not the same wall time, so a loaded machine cannot tilt
//   the comparison.
// - camvid (../shared/data/camvid, SegNet's 11-class version; void 11 is unlabeled): train on every
//   --every-th image of its train split, score every --every-th of its val split (CamVid's test split is kept
//   aside); --time-budget S gives each model the same wall time, as the founding material compares them.
// Patches are random crops of --size (a multiple of 32, the deepest stride: FCN's and SegNet's).
// Usage: node bin/run-ts.js bench/architecture-study.ts [--dataset membranes|camvid] [--models a,b] [--preset small]
//          [--epochs 8] [--steps 40] [--time-budget S] [--every N] [--size 128] [--batch 4] [--seed 1]
//          [--out bench/results/architecture-study]
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const shared = path.resolve(root, '../shared/data');

const { values: o } = parseArgs({
  options: {
    dataset: { type: 'string', default: 'membranes' },
    models: { type: 'string', default: 'fcn-32s,fcn-16s,fcn-8s,unet,segnet,deeplab' },
    preset: { type: 'string', default: 'small' },
    epochs: { type: 'string', default: '8' },
    steps: { type: 'string', default: '40' },
    'time-budget': { type: 'string' },
    every: { type: 'string', default: '3' },
    size: { type: 'string', default: '128' },
    batch: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});

/** Image and label files (same name) of one split; `pick` chooses which names it keeps. */
interface Split {
  images: string;
  labels: string;
  names: string[];
}

interface Dataset {
  dir: string;
  train: Split;
  test: Split;
  classes: string[];
  /** `segwork train`'s label options for this dataset's masks. */
  labelArgs: string[];
  /** What the split is, for the table's caption. */
  about: string;
}

const every = Number(o.every);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => `${from + k}.png`);
const everyNth = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.png')).sort().filter((_, i) => i % every === 0);

const membraneDir = path.join(shared, 'isbi2012-membrane/train');
const camvidDir = path.join(shared, 'camvid');
const DATASETS: Record<string, () => Dataset> = {
  membranes: () => ({
    dir: membraneDir,
    train: { images: path.join(membraneDir, 'image'), labels: path.join(membraneDir, 'label'), names: range(0, 14) },
    test: { images: path.join(membraneDir, 'image'), labels: path.join(membraneDir, 'label'), names: range(15, 19) },
    classes: ['membrane', 'cell'],
    labelArgs: ['--label-values', '0,255'],
    about: 'ISBI 2012 membranes: images 0–14 train, 15–19 held out',
  }),
  camvid: () => ({
    dir: camvidDir,
    train: { images: path.join(camvidDir, 'train'), labels: path.join(camvidDir, 'trainannot'), names: everyNth(path.join(camvidDir, 'train')) },
    test: { images: path.join(camvidDir, 'val'), labels: path.join(camvidDir, 'valannot'), names: everyNth(path.join(camvidDir, 'val')) },
    classes: ['sky', 'building', 'pole', 'road', 'pavement', 'tree', 'sign', 'fence', 'car', 'pedestrian', 'bicyclist'],
    labelArgs: ['--label-values', '0,1,2,3,4,5,6,7,8,9,10', '--ignore-value', '11'],
    about: `CamVid (11 classes, void unlabeled): every ${every}th image of train, every ${every}th of val held out`,
  }),
};

const choose = DATASETS[o.dataset!];
if (!choose) throw new Error(`--dataset must be one of ${Object.keys(DATASETS).join(', ')}, got "${o.dataset}"`);
const dataset = choose();
if (!existsSync(dataset.dir)) {
  console.log(`${dataset.dir} is absent: study skipped`);
  process.exit(0);
}
const out = path.resolve(root, o.out ?? `bench/results/architecture-study${o.dataset === 'membranes' ? '' : `-${o.dataset}`}`);

/** Symlinks the split's images and labels into DIR/images and DIR/labels. */
function link(dir: string, split: Split): { images: string; labels: string } {
  const images = path.join(dir, 'images');
  const labels = path.join(dir, 'labels');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(images, { recursive: true });
  mkdirSync(labels, { recursive: true });
  for (const name of split.names) {
    symlinkSync(path.join(split.images, name), path.join(images, name));
    symlinkSync(path.join(split.labels, name), path.join(labels, name));
  }
  return { images, labels };
}

const train = link(path.join(out, 'split/train'), dataset.train);
const test = link(path.join(out, 'split/test'), dataset.test);
const workspace = path.join(out, 'workspace');

/** Runs the CLI, returns its JSON lines and wall seconds; a failure stops the study with the CLI's own message. */
function segwork(args: string[]): { lines: Record<string, any>[]; seconds: number } {
  const start = performance.now();
  const run = spawnSync(process.execPath, [path.join(root, 'bin/segwork.js'), ...args, '--json', '--workspace', workspace], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new Error(`segwork ${args[0]} failed (${run.status}): ${run.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return { lines: run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)), seconds };
}

const round = (v: number | null, digits = 3) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);
const budget = o['time-budget'] ? ['--time-budget', o['time-budget'], '--val-split', '0'] : ['--epochs', o.epochs!];
const results = path.join(out, 'results.jsonl');
writeFileSync(results, '');
const rows: Record<string, any>[] = [];
for (const model of o.models!.split(',')) {
  const dir = path.join(out, model);
  const trained = segwork([
    'train', '--images', train.images, '--labels', train.labels, ...dataset.labelArgs, '--model', model, '--preset', o.preset!,
    ...budget, '--steps', o.steps!, '--size', o.size!, '--batch', o.batch!, '--seed', o.seed!, '--patience', '1000', '--out', dir,
  ]);
  const start = trained.lines.find((e) => e.type === 'start')!;
  const end = trained.lines.find((e) => e.type === 'end')!;
  const evaluated = segwork(['eval', '--model', dir, '--images', test.images, '--labels', test.labels]);
  const r = evaluated.lines.at(-1)!;
  const row = {
    dataset: o.dataset, model, preset: o.preset, parameters: start.parameters, backend: start.backend, epochs: end.epochs,
    steps: trained.lines.filter((e) => e.type === 'step').length, patch: Number(o.size), batch: Number(o.batch), seed: Number(o.seed),
    trainImages: dataset.train.names.length, testImages: dataset.test.names.length, trainSeconds: round(trained.seconds, 1),
    perClassIoU: Object.fromEntries(dataset.classes.map((name, c) => [name, round(r.perClass[c].iou)])),
    meanIoU: round(r.meanIoU), pixelAccuracy: round(r.pixelAccuracy), bestValMeanIoU: round(end.bestMeanIoU), evalSeconds: round(evaluated.seconds, 1),
  };
  rows.push(row);
  appendFileSync(results, `${JSON.stringify(row)}\n`);
  console.log(JSON.stringify(row));
}
console.log(`\n${dataset.about}`);
console.log(`| model | parameters | steps × batch | mean IoU | ${dataset.classes.join(' | ')} | pixel accuracy | train wall time |`);
console.log(`|${'---|'.repeat(dataset.classes.length + 6)}`);
for (const r of rows) {
  const perClass = dataset.classes.map((c) => r.perClassIoU[c] ?? '–').join(' | ');
  console.log(`| ${r.model} | ${r.parameters.toLocaleString('en')} | ${r.steps} × ${r.batch} | ${r.meanIoU} | ${perClass} | ${r.pixelAccuracy} | ${r.trainSeconds} s |`);
}
