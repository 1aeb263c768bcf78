// Interpolation between slices: how long the user waits after `I` (the preview) and after Enter (the save), on a
// 512 × 512 volume whose keys lie 11 slices apart, so 10 slices are filled. Two classes: a disc growing from
// radius 60 to 120 (the organ) inside a ring of background. Medians over repetitions, after one warm-up.
// Usage: node --import tsx bench/slice-interpolation.ts [--json] [--repetitions 9] [--side 512] [--between 10]
// The seeds engineer's browser bench (bench/label-tools.ts) may call sliceInterpolationCases() directly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UNLABELED } from '../src/api/types.ts';
import { interpolateSlices } from '../src/labels/slice-interpolation.ts';
import { openWorkspace } from '../src/store/workspace.ts';
import { applyVolumeEdit, interpolationPreview } from '../src/use-cases/volume-edits.ts';

export interface SliceInterpolationResult {
  side: number;
  filledSlices: number;
  repetitions: number;
  /** The pure interpolation (src/labels): distance transforms and blends. */
  interpolateMs: number;
  /** Its CPU time, which a busy shared machine inflates less than the wall time. */
  interpolateCpuMs: number;
  /** What `I` waits for in the core: read the labeled slices, interpolate, encode the preview. */
  previewMs: number;
  /** What Enter waits for in the core: every filled slice saved in one transaction. */
  applyMs: number;
  /** Ctrl+Z: the same slices put back in one transaction. */
  undoMs: number;
  cpu: string;
  cores: number;
  node: string;
}

/** A key slice: background ring out to radius + 40, class 1 inside radius, unlabeled beyond. */
function keySlice(side: number, radius: number): Uint8Array {
  const plane = new Uint8Array(side * side).fill(UNLABELED);
  const c = side / 2;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const r = Math.hypot(x - c, y - c);
      if (r <= radius) plane[y * side + x] = 1;
      else if (r <= radius + 40) plane[y * side + x] = 0;
    }
  }
  return plane;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** Median wall and CPU milliseconds of `fn` over `repetitions` calls, after one warm-up call. */
function time(repetitions: number, fn: () => void): { wall: number; cpu: number } {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    fn();
    const used = process.cpuUsage(startCpu);
    wall.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall: round(median(wall)), cpu: round(median(cpu)) };
}

export function sliceInterpolationCases(options: { side?: number; between?: number; repetitions?: number } = {}): SliceInterpolationResult {
  const { side = 512, between = 10, repetitions = 9 } = options;
  const slices = between + 2;
  const planes: (Uint8Array | null)[] = Array.from({ length: slices }, () => null);
  planes[0] = keySlice(side, 60);
  planes[slices - 1] = keySlice(side, 120);
  const interpolation = time(repetitions, () => interpolateSlices(planes, side, side));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segwork-bench-interp-'));
  const ws = openWorkspace(dir);
  try {
    const project = ws.projects.create('bench', [{ name: 'background', color: '#000000' }, { name: 'organ', color: '#ff0000' }]);
    const image = ws.images.add({ projectId: project.id, path: '/bench.nii.gz', name: 'bench.nii.gz', contentHash: 'bench', width: side, height: side, channels: 1, slices, modality: 'CT' });
    ws.masks.save(image.id, planes[0], side, side, { slice: 0 });
    ws.masks.save(image.id, planes[slices - 1]!, side, side, { slice: slices - 1 });
    const previewMs = time(repetitions, () => interpolationPreview(ws, image.id)).wall;
    const preview = interpolationPreview(ws, image.id);
    // Apply then undo, alternately, so each apply starts from two keys again; each is timed on its own.
    const applySamples: number[] = [];
    const undoSamples: number[] = [];
    for (let i = 0; i <= repetitions; i++) {
      const edit = { ...preview, baseRevision: ws.masks.latestRevision(image.id) };
      let start = performance.now();
      const applied = applyVolumeEdit(ws, image.id, edit);
      const applyTime = performance.now() - start;
      start = performance.now();
      applyVolumeEdit(ws, image.id, applied.undo);
      const undoTime = performance.now() - start;
      if (i > 0) applySamples.push(applyTime), undoSamples.push(undoTime);
    }
    const cpus = os.cpus();
    return {
      side,
      filledSlices: preview.slices.length,
      repetitions,
      interpolateMs: interpolation.wall,
      interpolateCpuMs: interpolation.cpu,
      previewMs,
      applyMs: round(median(applySamples)),
      undoMs: round(median(undoSamples)),
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      node: process.version,
    };
  } finally {
    ws.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] != null && import.meta.filename === path.resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { json: { type: 'boolean' }, repetitions: { type: 'string' }, side: { type: 'string' }, between: { type: 'string' } } });
  const result = sliceInterpolationCases({
    side: values.side ? Number(values.side) : undefined,
    between: values.between ? Number(values.between) : undefined,
    repetitions: values.repetitions ? Number(values.repetitions) : undefined,
  });
  if (values.json) console.log(JSON.stringify(result));
  else console.log(`interpolation across ${result.filledSlices} slices at ${result.side}²: interpolate ${result.interpolateMs} ms (${result.interpolateCpuMs} CPU ms), preview ${result.previewMs} ms, apply ${result.applyMs} ms, undo ${result.undoMs} ms (medians of ${result.repetitions}; ${result.cpu}, ${result.cores} cores, Node ${result.node})`);
}
