// The model-free labelling tools' speed, driven through the real browser like bench/ui.ts (headless Chromium against
// a real server and workbench in this process). Grow from seeds: from the G key to the frame after the preview shows,
// on a 512² and a 2048² plane, split into the server's part (the use case inside the request) and the rest
// (transport, decoding, drawing); the core's call alone; and on the 20-slice CT series in ../shared/data, from
// Shift+G to the frame after the volume preview shows, beside the core function on the same volume.
// Usage: node bin/run-ts.js bench/label-tools.ts [--json] [--runs N]   (writes bench/results/label-tools-<time>.json)
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import type { ImageInfo } from '../src/api/types.ts';
import { openRaster } from '../src/io/index.ts';
import { growFromSeeds } from '../src/labels/grow-from-seeds.ts';
import { base64ToBytes, bytesToBase64, encodeRuns, UNLABELED } from '../src/labels/index.ts';
import type { Workbench } from '../src/use-cases/workbench.ts';
import { median, openBrowserBench, ROOT } from './browser-bench.ts';

const CT_SERIES = path.resolve(ROOT, '../shared/data/totalsegmentator-ct-mr/example_ct_dicom');
const SIDES = [512, 2048];
const quiet = process.argv.includes('--json');
const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5;
const progress = (line: string) => {
  if (!quiet) process.stderr.write(`${line}\n`);
};

/** Milliseconds the server spent in each grow request's use case, in the order they came (see timeServerGrows). */
const serverTimes: number[] = [];

/** Records how long the workbench the server calls spends in each grow, to split a preview's time into phases. */
function timeServerGrows(workbench: Workbench): void {
  for (const method of ['growFromSeeds', 'growVolume'] as const) {
    const call = workbench[method].bind(workbench) as (request: never) => Promise<unknown>;
    (workbench as unknown as Record<string, unknown>)[method] = async (request: never) => {
      const t0 = performance.now();
      try {
        return await call(request);
      } finally {
        serverTimes.push(performance.now() - t0);
      }
    };
  }
}

/** CPU milliseconds (user + system) of this process since `start`: what a run costs, whatever else shares the machine. */
function cpuMs(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** A textured grey image with a bright blob in the middle: two regions to grow, texture to grow through. */
function writeBlobImage(file: string, side: number): void {
  const png = new PNG({ width: side, height: side, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const grey = Buffer.alloc(side * side);
  let seed = 3;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const r = Math.hypot(x - side / 2, y - side / 2) / side;
      const inside = r < 0.25 + 0.03 * Math.sin((Math.atan2(y - side / 2, x - side / 2) * 7));
      grey[y * side + x] = (inside ? 170 : 80) + 20 * Math.sin(x / 23) * Math.cos(y / 31) + ((seed >> 16) % 21) - 10;
    }
  }
  png.data = grey;
  writeFileSync(file, PNG.sync.write(png, { colorType: 0, inputColorType: 0 }));
}

/** Notes when G goes down (capture phase, before the editor's handler), so the time includes the whole request. */
const NOTE_G = `window.addEventListener('keydown', (e) => { if (e.key === 'g') window.__growStart = performance.now(); }, true)`;

/** Waits for the frame after the preview shows; milliseconds since G went down. */
const PREVIEW_SHOWN = `(async () => {
  const status = document.querySelector('[aria-label="Grow status"]');
  await new Promise((resolve) => {
    const check = () => (status.textContent === 'Preview' ? resolve() : requestAnimationFrame(check));
    requestAnimationFrame(check);
  });
  await new Promise((r) => requestAnimationFrame(r));
  return performance.now() - window.__growStart;
})()`;

async function strokeAcross(page: Page, side: number, className: string, row: number): Promise<void> {
  const box = (await page.getByLabel('Image canvas').boundingBox())!;
  const scale = Math.min(box.width / side, box.height / side);
  const at = (x: number, y: number) => ({ x: box.x + (box.width - side * scale) / 2 + x * scale, y: box.y + (box.height - side * scale) / 2 + y * scale });
  await page.getByRole('button', { name: className, exact: true }).click();
  const from = at(side * 0.4, row);
  const to = at(side * 0.6, row);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 5 });
  await page.mouse.up();
}

/** Grow from seeds in the browser on a side² image: G to preview (browser), and the core's call alone (server). */
async function growCase(page: Page, workbench: Workbench, image: ImageInfo, side: number) {
  const name = image.name;
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('button', { name, exact: true }).click();
  await page.getByLabel('Image canvas').waitFor();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Brush' }).click();
  await page.getByLabel('Brush size').fill(String(Math.max(4, side / 128)));
  await strokeAcross(page, side, 'object', side / 2);
  await strokeAcross(page, side, 'background', side * 0.1);
  await page.waitForTimeout(400);
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor({ timeout: 60_000 });

  progress(`grow from seeds at ${side}²…`);
  const browser: number[] = [];
  const inServer: number[] = [];
  await page.evaluate(NOTE_G);
  await page.getByLabel('Image canvas').focus();
  for (let i = 0; i < RUNS + 1; i++) {
    await page.keyboard.press('Escape');
    await page.waitForFunction(`document.querySelector('[aria-label="Grow status"]').textContent === ''`);
    const served = serverTimes.length;
    await page.keyboard.press('g');
    browser.push((await page.evaluate(PREVIEW_SHOWN)) as number);
    inServer.push(serverTimes.slice(served).reduce((a, b) => a + b, 0));
  }
  const labels = (await workbench.getMask(image.id)).data;
  const server: number[] = [];
  const serverCpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await workbench.growFromSeeds({ imageId: image.id, labels: bytesToBase64(encodeRuns(base64ToBytes(labels))) });
    server.push(performance.now() - t0);
    serverCpu.push(cpuMs(cpu0));
  }
  await page.keyboard.press('Escape');
  return {
    image: `${side}x${side} grey PNG`,
    // The first grow reads the image's pixels from its file; later ones (strokes refining a preview) find them cached.
    firstPreviewMs: Math.round(browser[0]!),
    previewMs: { median: Math.round(median(browser.slice(1))), samples: browser.slice(1).map(Math.round) },
    // Of each preview: the use case inside the server's request, and everything else (transport, decoding, drawing).
    phasesMs: {
      serverMedian: Math.round(median(inServer.slice(1))),
      restMedian: Math.round(median(browser.slice(1).map((t, i) => t - inServer[i + 1]!))),
    },
    coreCallMs: { median: Math.round(median(server)), samples: server.map(Math.round), cpuMedian: Math.round(median(serverCpu)) },
  };
}

/** The note beside the slice bar says the preview is shown: milliseconds from Shift+G to the frame after. */
const VOLUME_PREVIEW_SHOWN = `(async () => {
  const note = document.querySelector('[aria-label="Volume edit"]');
  await new Promise((resolve) => {
    const check = () => (note.textContent.startsWith('Preview on') ? resolve() : requestAnimationFrame(check));
    requestAnimationFrame(check);
  });
  await new Promise((r) => requestAnimationFrame(r));
  return performance.now() - window.__growStart;
})()`;

/**
 * Grow from seeds through the CT series in the browser: air and soft-tissue seeds (by Hounsfield range, on a sparse
 * grid, as a few strokes give) saved on slices 8 and 12, then Shift+G to the preview of every slice.
 */
async function volumeInBrowser(page: Page, workbench: Workbench, ct: ImageInfo) {
  const raster = await openRaster(CT_SERIES);
  try {
    for (const k of [8, 12]) {
      const hu = await raster.readWindow(0, 0, ct.width, ct.height, k);
      const labels = new Uint8Array(ct.width * ct.height).fill(UNLABELED);
      for (let y = 8; y < ct.height; y += 16) for (let x = 8; x < ct.width; x += 16) {
        const v = hu[y * ct.width + x]!;
        if (v < -900) labels[y * ct.width + x] = 0;
        else if (v > 20 && v < 80) labels[y * ct.width + x] = 1;
      }
      await workbench.saveMaskPatches(ct.id, 0, [{ x: 0, y: 0, width: ct.width, height: ct.height, data: bytesToBase64(labels) }], k);
    }
  } finally {
    await raster.close();
  }
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('button', { name: ct.name, exact: true }).click();
  await page.getByLabel('Slice number').waitFor();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor({ timeout: 60_000 });
  progress(`grow from seeds through the ${ct.width}×${ct.height}×${ct.slices} CT volume in the browser…`);
  await page.evaluate(`window.addEventListener('keydown', (e) => { if (e.key === 'G') window.__growStart = performance.now(); }, true)`);
  await page.getByLabel('Image canvas').focus();
  const browser: number[] = [];
  const inServer: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    await page.keyboard.press('Escape');
    await page.waitForFunction(`!document.querySelector('[aria-label="Volume edit"]').textContent.startsWith('Preview on')`);
    const served = serverTimes.length;
    await page.keyboard.press('Shift+G');
    browser.push((await page.evaluate(VOLUME_PREVIEW_SHOWN)) as number);
    inServer.push(serverTimes.slice(served).reduce((a, b) => a + b, 0));
  }
  await page.keyboard.press('Escape');
  return {
    volume: `${ct.width}x${ct.height}x${ct.slices} CT (HU), seeds on 2 slices, 2 classes`,
    // The first reads the series from its files; later ones find its values cached.
    firstPreviewMs: Math.round(browser[0]!),
    previewMs: { median: Math.round(median(browser.slice(1))), samples: browser.slice(1).map(Math.round) },
    phasesMs: {
      serverMedian: Math.round(median(inServer.slice(1))),
      restMedian: Math.round(median(browser.slice(1).map((t, i) => t - inServer[i + 1]!))),
    },
  };
}

/** The core function on the CT series as a volume (6 neighbours), seeded by Hounsfield ranges on its middle slice. */
async function volumeCore() {
  const raster = await openRaster(CT_SERIES);
  try {
    const { width, height, slices } = raster;
    const values = new Float32Array(width * height * slices);
    for (let k = 0; k < slices; k++) values.set(await raster.readWindow(0, 0, width, height, k), k * width * height);
    // Air, soft tissue and bone seeds on a sparse grid of the middle slice: what a few strokes give.
    const labels = new Uint8Array(values.length).fill(UNLABELED);
    const middle = Math.floor(slices / 2) * width * height;
    for (let y = 8; y < height; y += 16) {
      for (let x = 8; x < width; x += 16) {
        const i = middle + y * width + x;
        const hu = values[i]!;
        if (hu < -900) labels[i] = 0;
        else if (hu > 20 && hu < 80) labels[i] = 1;
        else if (hu > 400) labels[i] = 2;
      }
    }
    progress(`grow from seeds on a ${width}×${height}×${slices} CT volume…`);
    const samples: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < Math.max(1, Math.ceil(RUNS / 2)); i++) {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      growFromSeeds({ values, width, height, depth: slices, bands: 1 }, labels);
      samples.push(performance.now() - t0);
      cpu.push(cpuMs(cpu0));
    }
    return {
      volume: `${width}x${height}x${slices} CT (HU), 6 neighbours, 3 classes on the middle slice`,
      coreMs: { median: Math.round(median(samples)), samples: samples.map(Math.round), cpuMedian: Math.round(median(cpu)) },
    };
  } finally {
    await raster.close();
  }
}

async function main(): Promise<void> {
  const bench = await openBrowserBench('segwork-bench-label-tools-');
  const { dir, workbench, browser } = bench;
  try {
    mkdirSync(path.join(dir, 'images'));
    progress('writing images…');
    for (const side of SIDES) writeBlobImage(path.join(dir, 'images', `blob-${side}.png`), side);
    const project = await workbench.createProject('Bench', [{ name: 'background', color: '#4caf50' }, { name: 'object', color: '#e91e63' }]);
    const { added } = await workbench.addImages(project.id, [path.join(dir, 'images')]);
    timeServerGrows(workbench);
    // Added before the page opens, so its image list shows it.
    const ct = existsSync(CT_SERIES) ? (await workbench.addImages(project.id, [CT_SERIES])).added[0]! : null;
    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    page.on('crash', () => progress('the page crashed'));
    page.on('pageerror', (e) => progress(`page error: ${e.message}`));
    await page.goto(bench.url);
    const grow: Record<string, unknown> = {};
    for (const side of SIDES) grow[`${side}`] = await growCase(page, workbench, added.find((i) => i.name === `blob-${side}.png`)!, side);
    const volume = ct
      ? { browser: await volumeInBrowser(page, workbench, ct), core: await volumeCore() }
      : { skipped: `${CT_SERIES} is missing (../shared/data not present)` };
    const result = {
      benchmark: 'label-tools',
      when: new Date().toISOString(),
      device: `${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, headless Chromium --disable-gpu`,
      runs: RUNS,
      loadAverage: os.loadavg().map((v) => Number(v.toFixed(1))),
      growFromSeeds: { plane: grow, volume },
      targets: { growPreviewMs512: 1000, growPreviewMs2048: 'interactive (a few seconds at most)' },
    };
    const json = JSON.stringify(result, null, 2);
    process.stdout.write(json + '\n');
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'results', `label-tools-${result.when.replace(/[:.]/g, '-')}.json`), json + '\n');
  } finally {
    await bench.close();
  }
}

await main();
