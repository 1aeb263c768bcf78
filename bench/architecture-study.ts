// Architectures against each other on the held-out ISBI 2012 membranes (../shared/data/isbi2012-membrane): each
// trained through `segwork train` on images 0–14 (its validation split among them) for the same number of steps,
// not the same wall time, so a loaded machine cannot tilt the comparison; then `segwork eval` on images 15–19,
// which no run saw. One JSON line per model (IoUs, steps, wall time) to OUT/results.jsonl, and a markdown table.
// Usage: node bin/run-ts.js bench/architecture-study.ts [--models a,b] [--preset small] [--epochs 8] [--steps 40]
//          [--size 128] [--batch 4] [--seed 1] [--out bench/results/architecture-study]
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const data = path.resolve(root, '../shared/data/isbi2012-membrane/train');

const { values: o } = parseArgs({
  options: {
    models: { type: 'string', default: 'fcn-32s,fcn-16s,fcn-8s,unet,segnet,deeplab' },
    preset: { type: 'string', default: 'small' },
    epochs: { type: 'string', default: '8' },
    steps: { type: 'string', default: '40' },
    size: { type: 'string', default: '128' },
    batch: { type: 'string', default: '4' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench/results/architecture-study' },
  },
});

if (!existsSync(data)) {
  console.log(`${data} is absent: study skipped`);
  process.exit(0);
}
const out = path.resolve(root, o.out!);

/** Symlinks images and labels `ids` of the training set into DIR/images and DIR/labels. */
function split(dir: string, ids: number[]): { images: string; labels: string } {
  const images = path.join(dir, 'images');
  const labels = path.join(dir, 'labels');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(images, { recursive: true });
  mkdirSync(labels, { recursive: true });
  for (const i of ids) {
    symlinkSync(path.join(data, 'image', `${i}.png`), path.join(images, `${i}.png`));
    symlinkSync(path.join(data, 'label', `${i}.png`), path.join(labels, `${i}.png`));
  }
  return { images, labels };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
const train = split(path.join(out, 'split/train'), range(0, 14));
const test = split(path.join(out, 'split/test'), range(15, 19));
const workspace = path.join(out, 'workspace');

/** Runs the CLI, returns its JSON lines and wall seconds; a failure stops the study with the CLI's own message. */
function segwork(args: string[]): { lines: Record<string, any>[]; seconds: number } {
  const start = performance.now();
  const run = spawnSync(process.execPath, [path.join(root, 'bin/segwork.js'), ...args, '--json', '--workspace', workspace], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new Error(`segwork ${args[0]} failed (${run.status}): ${run.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return { lines: run.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)), seconds };
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;
const results = path.join(out, 'results.jsonl');
writeFileSync(results, '');
const rows: Record<string, any>[] = [];
for (const model of o.models!.split(',')) {
  const dir = path.join(out, model);
  const trained = segwork([
    'train', '--images', train.images, '--labels', train.labels, '--label-values', '0,255', '--model', model, '--preset', o.preset!,
    '--epochs', o.epochs!, '--steps', o.steps!, '--size', o.size!, '--batch', o.batch!, '--seed', o.seed!, '--patience', '1000', '--out', dir,
  ]);
  const start = trained.lines.find((e) => e.type === 'start')!;
  const end = trained.lines.find((e) => e.type === 'end')!;
  const evaluated = segwork(['eval', '--model', dir, '--images', test.images, '--labels', test.labels]);
  const r = evaluated.lines.at(-1)!;
  const row = {
    model, preset: o.preset, parameters: start.parameters, backend: start.backend, epochs: end.epochs, steps: Number(o.steps) * end.epochs,
    patch: Number(o.size), batch: Number(o.batch), seed: Number(o.seed), trainSeconds: round(trained.seconds, 1),
    membraneIoU: round(r.perClass[0].iou), cellIoU: round(r.perClass[1].iou), meanIoU: round(r.meanIoU), pixelAccuracy: round(r.pixelAccuracy),
    bestValMeanIoU: round(end.bestMeanIoU), evalSeconds: round(evaluated.seconds, 1),
  };
  rows.push(row);
  appendFileSync(results, `${JSON.stringify(row)}\n`);
  console.log(JSON.stringify(row));
}
console.log('\n| model | parameters | steps × batch | held-out membrane IoU | cell IoU | mean IoU | pixel accuracy | train wall time |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.model} | ${r.parameters.toLocaleString('en')} | ${r.steps} × ${r.batch} | ${r.membraneIoU} | ${r.cellIoU} | ${r.meanIoU} | ${r.pixelAccuracy} | ${r.trainSeconds} s |`);
}
