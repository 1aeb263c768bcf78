// Threshold painting's live preview, measured in a real browser against a real server and workbench in this
// process: how long from a change of the range's min (as typing it fires `input`) to the frame that shows the new
// tint, on a 512² CT slice (the shared CT series, when present) and on a 4096² raster band; beside it, the core's
// share (paintableMask alone in Node) and what opening the plane costs (intensityPlane: read and encode).
// Usage: node bin/run-ts.js bench/label-tools-threshold.ts [--json] [--runs N]
// The seeds bench may call thresholdPreviewCase with a page that has the image open.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import type { ImageInfo } from '../src/api/types.ts';
import { paintableMask } from '../src/labels/index.ts';
import type { Workbench } from '../src/use-cases/workbench.ts';
import { median, openBrowserBench, reportBrowserBench, ROOT } from './browser-bench.ts';

const SERIES = path.resolve(ROOT, '../shared/data/totalsegmentator-ct-mr/example_ct_dicom');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 9;
const quiet = process.argv.includes('--json');
const progress = (line: string) => {
  if (!quiet) process.stderr.write(`${line}\n`);
};

/** A smooth 4096² grey gradient with texture: every value 0..255 is present over large areas. */
export function writeLargeBand(file: string, side: number): void {
  const png = new PNG({ width: side, height: side, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const grey = Buffer.alloc(side * side);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) grey[y * side + x] = 128 + 100 * Math.sin(x / 97) * Math.cos(y / 131);
  png.data = grey;
  writeFileSync(file, PNG.sync.write(png, { colorType: 0, inputColorType: 0 }));
}

// Code that runs in the page is kept as source text: this file compiles against Node types, not the DOM.
/** Sets the min field, then waits frame by frame until the tint at (x, y) is `tinted`; returns the milliseconds. */
const SET_MIN_AND_WAIT = `(async ({ min, x, y, tinted }) => {
  const input = document.querySelector('[aria-label="Threshold min"]');
  const canvas = document.querySelectorAll('[aria-label="Image canvas"] canvas')[5];
  const box = canvas.getBoundingClientRect();
  const ratio = canvas.width / box.width;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const start = performance.now();
  input.value = String(min);
  input.dispatchEvent(new Event('input', { bubbles: true }));
  for (let frame = 0; frame < 600; frame++) {
    await new Promise((r) => requestAnimationFrame(r));
    const alpha = ctx.getImageData(Math.floor((x - box.left) * ratio), Math.floor((y - box.top) * ratio), 1, 1).data[3];
    if ((alpha > 0) === tinted) return performance.now() - start;
  }
  throw new Error('the threshold tint never changed');
})`;

/**
 * With `image` open and threshold mode on in `page`: alternates the range's min between `low` and `high` and times
 * each change until the tint at a pixel valued in [low, high) follows. Medians in milliseconds.
 */
export async function thresholdPreviewCase(page: Page, image: ImageInfo, values: Float32Array, low: number, high: number, runs: number): Promise<{ medianMs: number; samplesMs: number[] }> {
  const probe = values.findIndex((v, i) => v >= low && v < high && i % image.width > image.width / 4 && i % image.width < (image.width * 3) / 4);
  if (probe < 0) throw new Error(`${image.name}: no pixel between ${low} and ${high}`);
  const box = (await page.getByLabel('Image canvas').boundingBox())!;
  const s = Math.min(box.width / image.width, box.height / image.height);
  const x = box.x + (box.width - image.width * s) / 2 + ((probe % image.width) + 0.5) * s;
  const y = box.y + (box.height - image.height * s) / 2 + (Math.floor(probe / image.width) + 0.5) * s;
  const samplesMs: number[] = [];
  for (let i = 0; i < runs * 2; i++) {
    const min = i % 2 === 0 ? high : low;
    const ms = (await page.evaluate(`${SET_MIN_AND_WAIT}(${JSON.stringify({ min, x, y, tinted: min === low })})`)) as number;
    samplesMs.push(Math.round(ms * 10) / 10);
  }
  return { medianMs: median(samplesMs), samplesMs };
}

/** The core's share: paintableMask over the plane, in Node. */
function coreMs(values: Float32Array, low: number, high: number, runs: number): number {
  const out = new Uint8Array(values.length);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    paintableMask(values, { min: i % 2 ? low : high, max: Infinity }, out);
    samples.push(performance.now() - start);
  }
  return Math.round(median(samples) * 100) / 100;
}

async function measure(workbench: Workbench, page: Page, image: ImageInfo, slice: number, low: number, high: number) {
  const start = performance.now();
  const plane = await workbench.intensityPlane(image.id, { slice });
  const intensityPlaneMs = Math.round(performance.now() - start);
  const bytes = Buffer.from(plane.data, 'base64');
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);

  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('button', { name: image.name, exact: true }).click();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor({ timeout: 120_000 });
  const toggle = page.getByRole('button', { name: 'Threshold', exact: true });
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await page.getByLabel('Threshold max').fill(String(Math.max(high, plane.max ?? high)));
  const preview = await thresholdPreviewCase(page, image, values, low, high, RUNS);
  return { image: `${image.name} ${image.width}×${image.height}`, intensityPlaneMs, previewMs: preview.medianMs, previewSamplesMs: preview.samplesMs, paintableMaskMs: coreMs(values, low, high, RUNS) };
}

async function main(): Promise<void> {
  const bench = await openBrowserBench('segwork-bench-threshold-');
  const { dir, workbench, browser } = bench;
  try {
    const project = await workbench.createProject('Bench', [{ name: 'object', color: '#e91e63' }]);
    mkdirSync(path.join(dir, 'images'));
    progress('writing a 4096×4096 band…');
    writeLargeBand(path.join(dir, 'images', 'band.png'), 4096);
    const [band] = (await workbench.addImages(project.id, [path.join(dir, 'images', 'band.png')])).added as ImageInfo[];
    const ct = existsSync(SERIES) ? ((await workbench.addImages(project.id, [SERIES])).added[0] as ImageInfo) : null;

    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    await page.goto(bench.url);
    await page.getByRole('button', { name: band!.name, exact: true }).waitFor();
    const cases = [];
    if (ct) {
      progress('CT slice…');
      cases.push(await measure(workbench, page, ct, Math.floor(ct.slices / 2), 226, 700));
    } else progress(`${SERIES} is missing: the CT case is left out`);
    progress('4096² band…');
    cases.push(await measure(workbench, page, band!, 0, 100, 160));
    reportBrowserBench('label-tools-threshold', RUNS, { cases });
  } finally {
    await bench.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
