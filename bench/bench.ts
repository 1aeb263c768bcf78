// Training and inference speed per architecture × backend, beside PyTorch on the same CPU.
//   npm run bench -- [--json] [--models unet,segnet,deeplab] [--backends onnxruntime,wasm,cpu,webgpu,tensorflow]
//                    [--size 256] [--batch 4] [--steps 3] [--warmup 1] [--threads 1,2] [--no-torch]
// Each model × backend (× wasm thread count) runs in its own process (measure-model.ts), so peak RSS is its
// own. bench/torch_reference.py runs with /usr/bin/python3 when it can import torch, one process per model.
// onnxruntime: training (the step graph of src/models/onnx/training) and inference, on its automatic provider.
// Without --backends, every available backend except cpu (minutes per step at 256²) and software WebGPU.
// --json prints one object per line: {model, backend, size, batch, trainImagesPerSecond, inferImagesPerSecond,
// peakRssMB, …, torchTrainImagesPerSecond, torchInferImagesPerSecond, trainRatio, inferRatio}.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { probeBackends } from '../src/compute/backends.ts';
import { probeOnnxRuntime } from '../src/compute/onnxruntime.ts';
import type { Measurement, MeasureOptions } from './measure-model.ts';

/** Bench names → registry entries (issue 7: U-Net 4 levels / 32 filters, SegNet-Basic, DeepLab v3+). */
const MODELS: Record<string, { architecture: string; preset: string }> = {
  unet: { architecture: 'unet', preset: 'standard' },
  segnet: { architecture: 'segnet-basic', preset: 'standard' },
  deeplab: { architecture: 'deeplab', preset: 'standard' },
};
const CHANNELS = 3;
const CLASSES = 4;
const PYTHON = '/usr/bin/python3';
const here = import.meta.dirname;

interface TorchResult {
  model: string;
  parameters: number;
  threads: number;
  torchVersion: string;
  trainImagesPerSecond: number;
  inferImagesPerSecond: number;
  peakRssMB: number;
}

function list(value: string | undefined): string[] | undefined {
  return value?.split(',').map((s) => s.trim()).filter(Boolean);
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    models: { type: 'string', default: Object.keys(MODELS).join(',') },
    backends: { type: 'string' },
    size: { type: 'string', default: '256' },
    batch: { type: 'string', default: '4' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    threads: { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
  },
});

const models = list(args.models)!;
for (const m of models) if (!MODELS[m]) throw new Error(`--models: unknown model '${m}'; choose from ${Object.keys(MODELS).join(', ')}`);
const size = positiveInt(args.size!, 'size');
const batch = positiveInt(args.batch!, 'batch');
const steps = positiveInt(args.steps!, 'steps');
const warmup = Number(args.warmup);
const threadCounts = list(args.threads)?.map((t) => positiveInt(t, 'threads')) ?? [undefined];

/** tfjs backends and, first, ONNX Runtime (its compiled training step and its inference graph). */
async function chooseBackends(): Promise<string[]> {
  const onnx = await probeOnnxRuntime();
  const reports = [{ name: 'onnxruntime', available: onnx.available, reason: onnx.reason }, ...(await probeBackends())];
  const requested = list(args.backends);
  if (requested) {
    for (const name of requested) {
      const report = reports.find((r) => r.name === name);
      if (!report) throw new Error(`--backends: unknown backend '${name}'; choose from ${reports.map((r) => r.name).join(', ')}`);
      if (!report.available) console.error(`skipping ${name}: ${report.reason}`);
    }
    return requested.filter((name) => reports.find((r) => r.name === name)!.available);
  }
  return reports.filter((r) => r.available && r.name !== 'cpu' && !/software/.test(r.reason)).map((r) => r.name);
}

function runMeasurement(options: MeasureOptions, threads: number | undefined): Measurement {
  const env = { ...process.env, ...(threads != null ? { SEGWORK_THREADS: String(threads) } : {}) };
  const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'measure-model.ts'), JSON.stringify(options)], {
    env, encoding: 'utf8', maxBuffer: 16 << 20,
  });
  const line = child.stdout.trim().split('\n').at(-1) ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    throw new Error(`${options.model} on ${options.backend} failed (exit ${child.status}): ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return JSON.parse(line) as Measurement;
}

function torchAvailable(): boolean {
  if (args['no-torch'] || !existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function runTorch(model: string): TorchResult {
  const out = execFileSync(PYTHON, [
    path.join(here, 'torch_reference.py'), '--models', model, '--size', String(size), '--batch', String(batch),
    '--steps', String(steps), '--warmup', String(warmup), '--channels', String(CHANNELS), '--classes', String(CLASSES),
    '--threads', String(os.availableParallelism()),
  ], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!) as TorchResult;
}

const ratio = (ours: number | null, theirs: number | undefined) => (ours != null && theirs ? Math.round((ours / theirs) * 1000) / 1000 : null);
const fmt = (v: number | null | undefined, digits = 2) => (v == null ? '—' : v.toFixed(digits));

function printRow(row: Record<string, unknown>): void {
  if (args.json) {
    console.log(JSON.stringify(row));
    return;
  }
  const r = row as Measurement & Record<string, number | null | undefined>;
  if (r.skipped) {
    console.log(`${r.model.padEnd(8)} ${r.backend.padEnd(10)} skipped: ${r.skipped}`);
    return;
  }
  const threads = r.threads != null ? `×${r.threads}` : '';
  console.log([
    r.model.padEnd(8), `${r.backend}${threads}`.padEnd(10),
    `train ${fmt(r.trainImagesPerSecond)} img/s`.padEnd(20), `torch ${fmt(r.torchTrainImagesPerSecond)}`.padEnd(13), `ratio ${fmt(r.trainRatio, 3)}`.padEnd(12),
    `infer ${fmt(r.inferImagesPerSecond)} img/s`.padEnd(20), `torch ${fmt(r.torchInferImagesPerSecond)}`.padEnd(13), `ratio ${fmt(r.inferRatio, 3)}`.padEnd(12),
    `rss ${fmt(r.peakRssMB, 0)} MB`, `load ${fmt(r.loadAverage)}`,
  ].join(' '));
}

const backends = await chooseBackends();
const withTorch = torchAvailable();
if (!args.json) {
  console.log(`size ${size}, batch ${batch}, ${steps} timed steps after ${warmup} warm-up; ${os.availableParallelism()} cores; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!withTorch) console.log(`PyTorch reference not run (${args['no-torch'] ? '--no-torch' : `${PYTHON} cannot import torch; apt-get install python3-torch`})`);
}
for (const model of models) {
  const torch = withTorch ? runTorch(model) : undefined;
  for (const backend of backends) {
    for (const threads of backend === 'wasm' ? threadCounts : [undefined]) {
      const options: MeasureOptions = { model, ...MODELS[model]!, backend, size, batch, steps, warmup, channels: CHANNELS, classes: CLASSES };
      const ours = runMeasurement(options, threads);
      printRow({
        ...ours,
        ...(torch ? {
          torchTrainImagesPerSecond: torch.trainImagesPerSecond,
          torchInferImagesPerSecond: torch.inferImagesPerSecond,
          torchPeakRssMB: torch.peakRssMB,
          torchParameters: torch.parameters,
          torchThreads: torch.threads,
          torchVersion: torch.torchVersion,
          trainRatio: ratio(ours.trainImagesPerSecond, torch.trainImagesPerSecond),
          inferRatio: ratio(ours.inferImagesPerSecond, torch.inferImagesPerSecond),
        } : {}),
      });
    }
  }
}
