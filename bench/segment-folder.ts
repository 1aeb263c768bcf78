// `segwork segment` speed and memory over a folder of real images (CamVid 480×360 from ../shared/data),
// single process (src/inference/batch.ts) against the worker pool (src/jobs/segment-pool.ts), at 100 and
// 1,000 images. The folder is made of symbolic links cycling through CamVid's images. The model is an
// untrained U-Net (speed does not depend on the weights). One JSON line per run; each run is its own process
// so peak RSS (the pool's worker threads included) is its own.
// --backends runs each mode on each engine (wasm, onnxruntime) in the same run.
//   node --import tsx bench/segment-folder.ts [--counts 100,1000] [--preset small] [--modes single,pool] [--workers 2]
//     [--backends wasm,onnxruntime]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultClasses } from '../src/labels/palette.ts';
import { initBackend } from '../src/compute/backends.ts';
import { segmentFolder } from '../src/inference/batch.ts';
import { openInferenceModel } from '../src/inference/inference-model.ts';
import { poolSize, segmentFolderPooled } from '../src/jobs/segment-pool.ts';
import { getArchitecture, resolveConfig } from '../src/models/index.ts';
import { saveModelDir } from '../src/models/model-dir.ts';

const camvid = path.resolve(import.meta.dirname, '../../shared/data/camvid/train');
const { values: args } = parseArgs({
  options: {
    counts: { type: 'string', default: '100,1000' },
    preset: { type: 'string', default: 'small' },
    modes: { type: 'string', default: 'single,pool' },
    backends: { type: 'string', default: 'wasm,onnxruntime' },
    workers: { type: 'string' },
    run: { type: 'string' },
  },
});

interface Run { mode: 'single' | 'pool'; modelDir: string; inputDir: string; outputDir: string; workers?: number; backend: string }

async function runOne(run: Run): Promise<void> {
  const started = performance.now();
  const common = { inputDir: run.inputDir, outputDir: run.outputDir, recursive: false, overwrite: true, probabilities: false };
  let summary;
  if (run.mode === 'single') {
    const model = await openInferenceModel(run.modelDir, { backend: run.backend });
    summary = await segmentFolder(model, common);
  } else {
    summary = await segmentFolderPooled(run.modelDir, { ...common, workers: run.workers, backend: run.backend });
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({
    mode: run.mode, backend: run.backend, workers: run.mode === 'pool' ? poolSize(run.workers, summary.done + summary.failed) : 1, images: summary.done, failed: summary.failed, seconds: Math.round(seconds * 10) / 10,
    imagesPerSecond: Math.round((summary.done / seconds) * 100) / 100, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024), loadAverage: os.loadavg()[0],
  }));
  process.exit(0);
}

async function makeModel(dir: string, preset: string): Promise<void> {
  await initBackend('wasm');
  const config = resolveConfig('unet', { inputChannels: 3, numClasses: 12 }, preset);
  const model = getArchitecture('unet').build(config);
  await saveModelDir(dir, model, {
    format: 'segwork-model', formatVersion: 1, architecture: 'unet', config, classes: defaultClasses(12), inputChannels: 3,
    normalisation: { mean: [100, 100, 100], std: [60, 60, 60] },
  });
  model.dispose();
}

function linkFolder(dir: string, count: number): void {
  const images = readdirSync(camvid).filter((f) => f.endsWith('.png')).sort();
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) symlinkSync(path.join(camvid, images[i % images.length]!), path.join(dir, `${String(i).padStart(5, '0')}.png`));
}

if (args.run) {
  await runOne(JSON.parse(args.run) as Run);
} else if (!existsSync(camvid)) {
  console.error(`skipped: ${camvid} is absent`);
} else {
  const root = mkdtempSync(path.join(os.tmpdir(), 'segwork-bench-segment-'));
  try {
    const modelDir = path.join(root, 'model');
    await makeModel(modelDir, args.preset!);
    for (const count of args.counts!.split(',').map(Number)) {
      const inputDir = path.join(root, `in-${count}`);
      linkFolder(inputDir, count);
      for (const [backend, mode] of args.backends!.split(',').flatMap((b) => args.modes!.split(',').map((m) => [b, m as Run['mode']] as const))) {
        const run: Run = { mode, backend, modelDir, inputDir, outputDir: path.join(root, `out-${backend}-${mode}-${count}`), workers: args.workers ? Number(args.workers) : undefined };
        const child = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--run', JSON.stringify(run)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
        process.stdout.write(child.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.stringify({ preset: args.preset, ...JSON.parse(l) })).join('\n') + '\n');
        rmSync(run.outputDir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  process.exit(0);
}
