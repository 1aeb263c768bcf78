// Workspace store benchmark: builds a large workspace in a temp dir (100,000 images with 16×16 masks, 1,000 runs × 50
// epochs), then times the queries the UI waits on, as medians over repetitions (warm OS file cache).
// Usage: node --import tsx bench/store.ts [--json]   (--json: only the JSON object, no progress lines)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ImageQuery } from '../src/api/types.ts';
import { openWorkspace, type Workspace } from '../src/store/workspace.ts';

const IMAGES = 100_000;
const MASK_SIDE = 16;
const RUNS = 1_000;
const EPOCHS = 50;
const REPETITIONS = 25;
const BIG_MASK_SIDE = 1024;

const quiet = process.argv.includes('--json');
const progress = (line: string) => {
  if (!quiet) process.stderr.write(`${line}\n`);
};

let seed = 1;
function random(): number {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median milliseconds of fn over REPETITIONS calls, after one warm-up call. */
function time(fn: () => void): number {
  fn();
  const samples: number[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return round(median(samples));
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** A 16×16 mask: a third fully labeled, a third partly, a third not at all. */
function mask(i: number): Uint8Array {
  const data = new Uint8Array(MASK_SIDE * MASK_SIDE).fill(255);
  if (i % 3 === 0) data.fill(i % 2);
  else if (i % 3 === 1) data.fill(1, 0, 1 + Math.floor(random() * (data.length - 2)));
  return data;
}

function build(ws: Workspace): { projectId: number; bigImageId: number } {
  const project = ws.projects.create('bench', [
    { name: 'background', color: '#000000' },
    { name: 'cell', color: '#ff0000' },
  ]);
  const chunk = 10_000;
  for (let first = 0; first < IMAGES; first += chunk) {
    ws.transaction(() => {
      const images = ws.images.addMany(Array.from({ length: chunk }, (_, k) => {
        const i = first + k;
        return {
          projectId: project.id, path: `/data/bench/img_${String(i).padStart(6, '0')}.png`, name: `img_${String(i).padStart(6, '0')}.png`,
          contentHash: `sha256:${i.toString(16)}`, width: MASK_SIDE, height: MASK_SIDE, channels: 1, modality: 'gray', metadata: { index: i },
        };
      }));
      for (const [k, image] of images.entries()) {
        ws.masks.save(image.id, mask(first + k), MASK_SIDE, MASK_SIDE);
        ws.images.setUncertainty(image.id, random());
      }
    });
    progress(`images: ${first + chunk}/${IMAGES}`);
  }
  ws.transaction(() => {
    for (let r = 0; r < RUNS; r++) {
      const runId = ws.runs.start({ projectId: project.id, modelId: null, config: { epochs: EPOCHS, seed: r }, backend: 'cpu' });
      for (let e = 0; e < EPOCHS; e++) {
        const iou = [random(), random()];
        ws.runs.addEpoch(runId, { epoch: e, loss: 1 / (e + 1), valLoss: 1.2 / (e + 1), perClassIoU: iou, meanIoU: (iou[0] + iou[1]) / 2 });
      }
      ws.runs.finish(runId, 'completed', { epochs: EPOCHS });
    }
  });
  progress(`runs: ${RUNS} × ${EPOCHS} epochs`);
  const big = ws.images.add({
    projectId: project.id, path: '/data/bench/big.png', name: 'big.png', contentHash: 'big', width: BIG_MASK_SIDE, height: BIG_MASK_SIDE, channels: 1, modality: 'gray',
  });
  return { projectId: project.id, bigImageId: big.id };
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'segwork-bench-store-'));
  try {
    const buildStart = performance.now();
    let ws = openWorkspace(dir);
    const { projectId, bigImageId } = build(ws);
    ws.close();
    const buildSeconds = (performance.now() - buildStart) / 1000;
    const fileBytes = fs.statSync(path.join(dir, 'workspace.sqlite')).size;

    const page: ImageQuery = { projectId, status: 'partial', sort: 'uncertainty', descending: true, offset: 500, limit: 50 };
    let total = 0;
    const openAndPageMs = time(() => {
      const fresh = openWorkspace(dir);
      const result = fresh.images.query(page);
      total = result.total;
      if (result.images.length !== 50) throw new Error(`page has ${result.images.length} images`);
      fresh.close();
    });
    // Same, but the close (which runs PRAGMA optimize) is left out of the timing.
    const openSamples: number[] = [];
    for (let i = 0; i < REPETITIONS; i++) {
      const start = performance.now();
      const fresh = openWorkspace(dir);
      fresh.images.query(page);
      openSamples.push(performance.now() - start);
      fresh.close();
    }

    ws = openWorkspace(dir);
    const pageMs = time(() => ws.images.query(page));
    const pageByNameMs = time(() => ws.images.query({ projectId, sort: 'name', offset: 50_000, limit: 50 }));
    const nameFilterPageMs = time(() => ws.images.query({ projectId, nameContains: '4242', sort: 'name', limit: 50 }));
    const runIds = ws.runs.bestEpochs().map((b) => b.runId);
    let r = 0;
    const runEpochsMs = time(() => {
      const run = ws.runs.get(runIds[r++ % runIds.length])!;
      if (run.epochs.length !== EPOCHS) throw new Error(`run ${run.id} has ${run.epochs.length} epochs`);
    });
    const bestPerRunMs = time(() => {
      if (ws.runs.bestEpochs(projectId).length !== RUNS) throw new Error('best-epoch list is incomplete');
    });
    const bigMask = new Uint8Array(BIG_MASK_SIDE * BIG_MASK_SIDE).fill(255);
    bigMask.fill(1, 0, bigMask.length / 3);
    const maskSave1MpMs = time(() => ws.masks.save(bigImageId, bigMask, BIG_MASK_SIDE, BIG_MASK_SIDE));
    const maskLoad1MpMs = time(() => ws.masks.current(bigImageId));
    ws.close();

    const result = {
      benchmark: 'store',
      machine: { cpus: os.cpus().length, node: process.version, platform: process.platform },
      workspace: { images: IMAGES, maskSide: MASK_SIDE, runs: RUNS, epochsPerRun: EPOCHS, fileMB: round(fileBytes / 2 ** 20), buildSeconds: round(buildSeconds) },
      repetitions: REPETITIONS,
      medianMs: {
        openAndPage: openAndPageMs,
        openAndPageWithoutClose: round(median(openSamples)),
        page: pageMs,
        pageByNameAtOffset50k: pageByNameMs,
        pageWithNameFilter: nameFilterPageMs,
        runEpochs: runEpochsMs,
        bestMeanIoUPerRun: bestPerRunMs,
        maskSave1Mp: maskSave1MpMs,
        maskLoad1Mp: maskLoad1MpMs,
      },
      pageTotal: total,
      targetsMs: { openAndPage: 100 },
    };
    process.stdout.write(`${JSON.stringify(result, null, quiet ? undefined : 2)}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
