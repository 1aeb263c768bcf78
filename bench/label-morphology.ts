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
import { paintedPlane } from './painted-labels.ts';

const { values: args } = parseArgs({
  options: { size: { type: 'string', default: '4096' }, runs: { type: 'string', default: '5' }, radius: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } },
});
const size = Number(args.size);
const runs = Number(args.runs);
const radius = Number(args.radius);
const progress = (line: string) => {
  if (!args.json) process.stderr.write(`${line}\n`);
};

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
