// Larger-than-memory GeoTIFF (issue 6 and 5): builds a SIZE×SIZE 4-band uint16 tiled, deflated GeoTIFF with one
// overview in /tmp (written tile by tile), then, each in its own process so peak RSS (getrusage maxRSS of that
// process) is its own: (a) first view = what the workbench shows first, the display image rendered from the
// overview; (b) segment the whole image with a tiny untrained 4-band U-Net through segmentFile, the path
// `segwork segment` takes, writing the streamed GeoTIFF mask; (c) the same with probabilities at PROB_SIZE.
// One JSON line per run: {run, size, bands, seconds, cpuSeconds, peakRssMB, ...}. Files are deleted at the end.
// --rows N makes the segmented images SIZE (or PROB_SIZE) wide but N rows tall: the streamed path holds a few tile
// rows of the full width, so peak RSS depends on the width, and time grows linearly with the rows.
// --backends runs each segmenting run once per engine (wasm: tfjs's; onnxruntime: the native one), in one run of
// the bench, so before/after figures come from the same machine in the same minutes.
//   node --import tsx bench/large-raster.ts [--size 20000] [--prob-size 10000] [--rows N] [--runs view,segment,probabilities,cli]
//     [--backends wasm,onnxruntime]
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, symlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import { defaultClasses } from '../src/labels/palette.ts';
import { initBackend } from '../src/compute/backends.ts';
import { segmentFile } from '../src/inference/segment-file.ts';
import { openInferenceModel } from '../src/inference/inference-model.ts';
import { openRaster } from '../src/io/index.ts';
import { renderDisplayImage } from '../src/use-cases/display.ts';
import { getArchitecture, resolveConfig } from '../src/models/index.ts';
import { saveModelDir } from '../src/models/model-dir.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '20000' },
    'prob-size': { type: 'string', default: '10000' },
    rows: { type: 'string' },
    runs: { type: 'string', default: 'view,segment,probabilities' },
    backends: { type: 'string', default: 'wasm,onnxruntime' },
    run: { type: 'string' },
  },
});

const BANDS = 4;
const TILE = 512;
const OVERVIEW_FACTOR = 16;

/** Synthetic 4-band uint16 pixel: smooth fields with edges, so deflate and the model both have something to do. */
function sample(x: number, y: number, band: number): number {
  const field = Math.sin(x / (300 + band * 70)) * Math.cos(y / (250 + band * 40));
  const blocks = ((x >> 9) + (y >> 9) + band) & 1 ? 8000 : 0;
  return Math.round(20000 + field * 15000 + blocks);
}

/** Writes a tiled, deflated, pixel-interleaved uint16 GeoTIFF with one decimated overview, streaming tile by tile. */
function buildGeoTiff(file: string, width: number, height: number): void {
  const fd = openSync(file, 'w');
  let offset = 8;
  const write = (bytes: Uint8Array) => {
    writeSync(fd, bytes, 0, bytes.length, offset);
    const at = offset;
    offset += bytes.length + (bytes.length & 1);
    return at;
  };
  const levels = [{ w: width, h: height, step: 1 }, { w: Math.ceil(width / OVERVIEW_FACTOR), h: Math.ceil(height / OVERVIEW_FACTOR), step: OVERVIEW_FACTOR }];
  const tiled = levels.map(({ w, h, step }) => {
    const across = Math.ceil(w / TILE);
    const down = Math.ceil(h / TILE);
    const offsets: number[] = [];
    const counts: number[] = [];
    const tile = new Uint16Array(TILE * TILE * BANDS);
    for (let ty = 0; ty < down; ty++) {
      for (let tx = 0; tx < across; tx++) {
        tile.fill(0);
        for (let r = 0; r < TILE && ty * TILE + r < h; r++) {
          for (let c = 0; c < TILE && tx * TILE + c < w; c++) {
            for (let b = 0; b < BANDS; b++) tile[(r * TILE + c) * BANDS + b] = sample((tx * TILE + c) * step, (ty * TILE + r) * step, b);
          }
        }
        const packed = deflateSync(new Uint8Array(tile.buffer));
        offsets.push(write(packed));
        counts.push(packed.length);
      }
    }
    return { w, h, offsets, counts };
  });
  // IFDs after the data: full resolution first (georeferenced, UTM 33N), then the overview (NewSubfileType = 1).
  const ifdOffsets: number[] = [];
  tiled.forEach((level, i) => {
    const entries: [number, number, number[]][] = [
      ...(i > 0 ? [[254, 4, [1]] as [number, number, number[]]] : []),
      [256, 4, [level.w]], [257, 4, [level.h]], [258, 3, [16, 16, 16, 16]], [259, 3, [8]], [262, 3, [1]], [277, 3, [BANDS]],
      [284, 3, [1]], [322, 3, [TILE]], [323, 3, [TILE]], [324, 4, level.offsets], [325, 4, level.counts], [338, 3, [0, 0, 0]], [339, 3, [1, 1, 1, 1]],
      ...(i === 0 ? [[33550, 12, [10, 10, 0]], [33922, 12, [0, 0, 0, 500000, 4000000, 0]], [34735, 3, [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32633]]] as [number, number, number[]][] : []),
    ];
    const size = (type: number) => (type === 3 ? 2 : type === 4 ? 4 : 8);
    const ifd = new DataView(new ArrayBuffer(2 + entries.length * 12 + 4));
    const extras: Uint8Array[] = [];
    const ifdAt = offset;
    let extraAt = ifdAt + ifd.byteLength;
    ifd.setUint16(0, entries.length, true);
    entries.forEach(([tag, type, values], e) => {
      const at = 2 + e * 12;
      ifd.setUint16(at, tag, true);
      ifd.setUint16(at + 2, type, true);
      ifd.setUint32(at + 4, values.length, true);
      const bytes = new DataView(new ArrayBuffer(values.length * size(type)));
      values.forEach((v, k) => (type === 3 ? bytes.setUint16(k * 2, v, true) : type === 4 ? bytes.setUint32(k * 4, v, true) : bytes.setFloat64(k * 8, v, true)));
      if (bytes.byteLength <= 4) new Uint8Array(ifd.buffer).set(new Uint8Array(bytes.buffer), at + 8);
      else {
        ifd.setUint32(at + 8, extraAt, true);
        extras.push(new Uint8Array(bytes.buffer));
        extraAt += bytes.byteLength + (bytes.byteLength & 1);
      }
    });
    ifdOffsets.push(write(new Uint8Array(ifd.buffer)));
    for (const extra of extras) write(extra);
  });
  // Header, and the chain from the first IFD to the second.
  const header = new DataView(new ArrayBuffer(8));
  header.setUint16(0, 0x4949, true);
  header.setUint16(2, 42, true);
  header.setUint32(4, ifdOffsets[0], true);
  writeSync(fd, new Uint8Array(header.buffer), 0, 8, 0);
  const next = new DataView(new ArrayBuffer(4));
  next.setUint32(0, ifdOffsets[1], true);
  const firstEntries = 2 + 16 * 12; // 16 entries in the full-resolution IFD
  writeSync(fd, new Uint8Array(next.buffer), 0, 4, ifdOffsets[0] + firstEntries);
  closeSync(fd);
}

interface Run { kind: 'view' | 'segment' | 'probabilities'; file: string; modelDir: string; outDir: string; backend?: string }

const FIRST_VIEW_PIXELS = 1024;
const rssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const megabytes = (file: string) => Math.round(statSync(file).size / 2 ** 20);

async function runOne(run: Run): Promise<void> {
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const raster = await openRaster(run.file);
  const result: Record<string, unknown> = { run: run.kind, size: `${raster.width}x${raster.height}`, bands: raster.bands };
  await raster.close();
  if (run.kind === 'view') {
    // What the workbench shows first: the display image, rendered from the overview that fills it.
    const full = await openRaster(run.file);
    const shown = await renderDisplayImage(full, { maxSize: FIRST_VIEW_PIXELS });
    await full.close();
    result.shown = `${shown.width}x${shown.height}`;
  } else {
    const model = await openInferenceModel(run.modelDir, { backend: run.backend });
    result.engine = model.engine;
    const output = path.join(run.outDir, `${run.kind}.tif`);
    const withProbabilities = run.kind === 'probabilities';
    await segmentFile(model, run.file, output, { probabilities: withProbabilities });
    result.maskMB = megabytes(output);
    if (withProbabilities) result.probabilitiesMB = megabytes(output.replace(/\.tif$/, '.probabilities.tif'));
  }
  result.seconds = Math.round((performance.now() - started) / 10) / 100;
  // CPU time too: on a shared machine the wall time says as much about the neighbours as about Segwork.
  const cpu = process.cpuUsage(cpuAtStart);
  result.cpuSeconds = Math.round((cpu.user + cpu.system) / 1e4) / 100;
  result.peakRssMB = rssMB();
  console.log(JSON.stringify(result));
  process.exit(0);
}

async function makeModel(dir: string): Promise<void> {
  await initBackend('wasm');
  const config = resolveConfig('unet', { inputChannels: BANDS, numClasses: 4 }, 'tiny');
  const model = getArchitecture('unet').build(config);
  await saveModelDir(dir, model, {
    format: 'segwork-model', formatVersion: 1, architecture: 'unet', config, classes: defaultClasses(4), inputChannels: BANDS,
    normalisation: { mean: [20000, 20000, 20000, 20000], std: [9000, 9000, 9000, 9000] },
  });
  model.dispose();
}

/** `segwork segment` on a folder holding the one file, under /usr/bin/time for its peak RSS (maximum resident set, KB). */
function cli(file: string, modelDir: string, root: string, size: string, backend: string): void {
  const input = path.join(root, `cli-in-${backend}`);
  const output = path.join(root, `cli-out-${backend}`);
  mkdirSync(input, { recursive: true });
  symlinkSync(file, path.join(input, path.basename(file)));
  const segwork = path.join(import.meta.dirname, '..', 'bin', 'segwork.js');
  const out = spawnSync('/usr/bin/time', ['-f', 'segwork-time %M %e %U %S', process.execPath, segwork, 'segment', '--model', modelDir, '--in', input, '--out', output, '--backend', backend, '--json'], { encoding: 'utf8' });
  const timing = /segwork-time (\d+) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(out.stderr ?? '');
  if (out.status !== 0 || !timing) {
    console.log(JSON.stringify({ run: 'cli', backend, failed: `exit ${out.status ?? out.signal}${out.error ? ` (${out.error.message})` : ''}` }));
    return;
  }
  const [, rssKB, wall, user, sys] = timing.map(Number);
  console.log(JSON.stringify({ run: 'cli', backend, size, bands: BANDS, seconds: wall, cpuSeconds: Math.round((user! + sys!) * 100) / 100, peakRssMB: Math.round(rssKB! / 1024) }));
}

function child(run: Run): void {
  const out = spawnSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--run', JSON.stringify(run)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = out.stdout.trim().split('\n').pop();
  console.log(out.status === 0 && line ? line : JSON.stringify({ run: run.kind, failed: `exit ${out.status ?? out.signal}` }));
}

if (args.run) {
  await runOne(JSON.parse(args.run) as Run);
} else {
  const root = mkdtempSync(path.join(os.tmpdir(), 'segwork-bench-large-'));
  try {
    const modelDir = path.join(root, 'model');
    await makeModel(modelDir);
    const runs = args.runs!.split(',');
    const rows = args.rows ? Number(args.rows) : null;
    const built = new Map<string, string>();
    const fileOf = (width: number, height: number) => {
      const name = `${width}x${height}`;
      if (!built.has(name)) {
        const file = path.join(root, `${name}.tif`);
        const t0 = performance.now();
        buildGeoTiff(file, width, height);
        console.log(JSON.stringify({ run: 'build', size: name, bands: BANDS, dtype: 'uint16', megabytes: Math.round(statSync(file).size / 2 ** 20), seconds: Math.round((performance.now() - t0) / 100) / 10 }));
        built.set(name, file);
      }
      return built.get(name)!;
    };
    const size = Number(args.size);
    const probSize = Number(args['prob-size']);
    // The first view is always of the square image: what a user opens.
    if (runs.includes('view')) child({ kind: 'view', file: fileOf(size, size), modelDir, outDir: root });
    for (const backend of args.backends!.split(',')) {
      if (runs.includes('segment')) child({ kind: 'segment', file: fileOf(size, rows ?? size), modelDir, outDir: root, backend });
      if (runs.includes('cli')) cli(fileOf(size, rows ?? size), modelDir, root, `${size}x${rows ?? size}`, backend);
      if (runs.includes('probabilities')) child({ kind: 'probabilities', file: fileOf(probSize, rows ?? probSize), modelDir, outDir: root, backend });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
