// Label morphology at workbench sizes: each operation on one class of a SIZE² plane (default 4096², the issue's
// size) and selecting a predicted region, as medians of wall-clock milliseconds in this Node process (the
// workbench runs the same code in the renderer).
// Usage: node bin/run-ts.js bench/label-morphology.ts [--size 4096] [--runs 5] [--radius 3] [--json]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { UNLABELED } from '../src/api/types.ts';
import { LabelMap } from '../src/labels/label-map.ts';
import { applyMorphology, MORPHOLOGY_OPERATIONS, type MorphologyRequest } from '../src/labels/morphology.ts';
import { predictedRegion } from '../src/labels/prediction.ts';

const { values: args } = parseArgs({
  options: { size: { type: 'string', default: '4096' }, runs: { type: 'string', default: '5' }, radius: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } },
});
const size = Number(args.size);
const runs = Number(args.runs);
const radius = Number(args.radius);
const progress = (line: string) => {
  if (!args.json) process.stderr.write(`${line}\n`);
};

let seed = 1;
function random(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
}

/**
 * Labels as people paint them: unlabeled ground with discs of three classes, some with holes, and specks of each
 * class scattered as islands.
 */
function paintedPlane(side: number): Uint8Array {
  const labels = new Uint8Array(side * side).fill(UNLABELED);
  const disc = (cx: number, cy: number, r: number, value: number) => {
    for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(side - 1, Math.ceil(cy + r)); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(side - 1, Math.ceil(cx + r)); x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) labels[y * side + x] = value;
      }
    }
  };
  const discs = Math.round((side * side) / 40_000);
  for (let i = 0; i < discs; i++) {
    const cx = random() * side, cy = random() * side, r = 10 + random() * 60;
    disc(cx, cy, r, i % 3);
    if (i % 4 === 0) disc(cx, cy, r / 3, UNLABELED);
  }
  for (let i = 0; i < discs * 5; i++) disc(random() * side, random() * side, 1 + random() * 3, i % 3);
  return labels;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall-clock and CPU milliseconds (this process, user + system) per call: on a shared machine the CPU time is the steadier figure. */
function timeMs(fn: () => void): { medianMs: number; medianCpuMs: number; samplesMs: number[] } {
  const samplesMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    fn();
    samplesMs.push(Math.round((performance.now() - start) * 10) / 10);
    const used = process.cpuUsage(cpu);
    cpuMs.push(Math.round((used.user + used.system) / 100) / 10);
  }
  return { medianMs: median(samplesMs), medianCpuMs: median(cpuMs), samplesMs };
}

const labels = paintedPlane(size);
const grid = { width: size, height: size };
const cases: Record<string, ReturnType<typeof timeMs> & { changedPixels?: number }> = {};
for (const operation of MORPHOLOGY_OPERATIONS) {
  const request: MorphologyRequest = { operation, classIndex: 1, radius, minSize: 200 };
  const { added, removed } = applyMorphology(labels, grid, 3, request);
  cases[operation] = { ...timeMs(() => applyMorphology(labels, grid, 3, request)), changedPixels: added + removed };
  progress(`${operation}: ${cases[operation].medianMs} ms, ${cases[operation].medianCpuMs} CPU ms (${added + removed} pixels changed)`);
}
// Selecting a predicted region: a prediction that is the painted discs on a background of class 0, and a click
// on the background's one big region, the worst case.
const prediction = labels.map((v) => (v === UNLABELED ? 0 : v));
const map = new LabelMap(size, size, Uint8Array.from(labels));
let click = 0;
while (prediction[click] !== 0) click++;
cases['select-region'] = timeMs(() => predictedRegion(map, prediction, { x: click % size, y: Math.floor(click / size) }));
progress(`select-region: ${cases['select-region'].medianMs} ms, ${cases['select-region'].medianCpuMs} CPU ms`);

const result = {
  benchmark: 'label-morphology',
  when: new Date().toISOString(),
  size,
  radius,
  runs,
  cpu: `${os.cpus()[0]?.model ?? 'cpu'} ×${os.availableParallelism()}`,
  node: process.version,
  loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  cases,
};
console.log(JSON.stringify(result, null, args.json ? 0 : 2));
