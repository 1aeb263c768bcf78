// Workbench benchmark in a real browser (headless Chromium) against a real server and workbench in this process:
// opening a 4096×4096 image, brush latency from a pointer event to the frame that shows it, and frame rate
// while painting during a training run.
// Usage: node bin/run-ts.js bench/ui.ts [--json]   (writes bench/results/ui-<time>.json as well)
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import type { ImageInfo } from '../src/api/types.ts';
import { median, openBrowserBench, ROOT } from './browser-bench.ts';
const SIDE = 4096;
const MOVES = 120;
const quiet = process.argv.includes('--json');
const progress = (line: string) => {
  if (!quiet) process.stderr.write(`${line}\n`);
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A smooth, textured 8-bit image (compresses like a micrograph, not like noise or a flat field). */
function writeLargeImage(file: string): void {
  const png = new PNG({ width: SIDE, height: SIDE, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const grey = Buffer.alloc(SIDE * SIDE);
  let seed = 3;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      grey[y * SIDE + x] = 128 + 60 * Math.sin(x / 37) * Math.cos(y / 53) + ((seed >> 16) % 17) - 8;
    }
  }
  png.data = grey;
  writeFileSync(file, PNG.sync.write(png, { colorType: 0, inputColorType: 0 }));
}

// Code that runs in the page is kept as source text: this file compiles against Node types, not the DOM.

/** Per pointermove: latency from the event's timestamp to the end of the animation frame that drew it, and
 * the work itself (handler plus Konva's draw in that frame), plus a frame counter. Listeners on window in the
 * capture phase run before the canvas handler and in the bubble phase after it, so their frame callbacks
 * bracket Konva's draw. */
const LATENCY_PROBE = `(() => {
  window.__latencies = [];
  window.__work = [];
  window.__frames = 0;
  window.__counting = false;
  let handlerStart = 0;
  let drawStart = 0;
  window.addEventListener('pointermove', (event) => {
    if (event.buttons !== 1) return;
    handlerStart = performance.now();
    requestAnimationFrame(() => (drawStart = performance.now()));
  }, true);
  window.addEventListener('pointermove', (event) => {
    if (event.buttons !== 1) return;
    const stamp = event.timeStamp;
    const handlerMs = performance.now() - handlerStart;
    requestAnimationFrame(() => {
      const now = performance.now();
      window.__latencies.push(now - stamp);
      window.__work.push(handlerMs + (now - drawStart));
    });
  });
  const tick = () => {
    if (window.__counting) window.__frames++;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

/** Clicks the image entry and waits until the editor has loaded it and a frame has shown it; milliseconds. */
const OPEN_IMAGE = `(async () => {
  const status = document.querySelector('[aria-label="Save status"]');
  const button = [...document.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === 'large.png');
  const t0 = performance.now();
  button.click();
  await new Promise((resolve) => {
    const check = () => (status.textContent === 'Loading…' ? requestAnimationFrame(check) : resolve());
    requestAnimationFrame(check);
  });
  await new Promise((r) => requestAnimationFrame(r));
  return performance.now() - t0;
})()`;

const TAKE_SAMPLES = '({ latencies: window.__latencies.splice(0), work: window.__work.splice(0) })';

async function stroke(page: Page, at: (x: number, y: number) => { x: number; y: number }, row: number, moves: number): Promise<void> {
  const start = at(200, row);
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  for (let i = 1; i <= moves; i++) {
    const p = at(200 + (i * 3600) / moves, row + 300 * Math.sin(i / 9));
    await page.mouse.move(p.x, p.y);
  }
  await page.mouse.up();
}

async function main(): Promise<void> {
  const bench = await openBrowserBench('segwork-bench-ui-');
  const { dir, workbench, browser } = bench;
  try {
    progress(`writing a ${SIDE}×${SIDE} image…`);
    mkdirSync(path.join(dir, 'images'));
    writeLargeImage(path.join(dir, 'images', 'large.png'));
    const project = await workbench.createProject('Bench', [{ name: 'background', color: '#4caf50' }, { name: 'object', color: '#e91e63' }]);
    await workbench.addImages(project.id, [path.join(dir, 'images')]);
    const [image] = (await workbench.listImages({ projectId: project.id })).images as ImageInfo[];

    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    await page.goto(bench.url);
    const entry = page.getByRole('button', { name: 'large.png', exact: true });
    await entry.locator('img').waitFor({ timeout: 120_000 }); // the thumbnail, so its request does not overlap the open

    progress('opening…');
    const openSamples: number[] = [];
    for (let i = 0; i < 2; i++) {
      if (i > 0) await page.getByRole('button', { name: 'Images' }).click();
      const ms = (await page.evaluate(OPEN_IMAGE)) as number;
      openSamples.push(ms);
    }

    // The core's share of opening: rendering the display PNG (the client's share is the rest).
    const pngStart = performance.now();
    await workbench.displayImage(image.id);
    const serverImagePngMs = performance.now() - pngStart;

    const box = (await page.getByLabel('Image canvas').boundingBox())!;
    const scale = Math.min(box.width / SIDE, box.height / SIDE);
    const at = (x: number, y: number) => ({ x: box.x + (box.width - SIDE * scale) / 2 + x * scale, y: box.y + (box.height - SIDE * scale) / 2 + y * scale });
    await page.getByRole('button', { name: 'object', exact: true }).click();
    await page.getByLabel('Brush size').fill('64');
    await page.evaluate(LATENCY_PROBE);

    progress('painting (idle)…');
    await stroke(page, at, 1000, MOVES);
    await page.getByRole('button', { name: 'background', exact: true }).click();
    await stroke(page, at, 3000, MOVES);
    const idle = (await page.evaluate(TAKE_SAMPLES)) as { latencies: number[]; work: number[] };
    await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor({ timeout: 60_000 });

    progress('painting while training…');
    const { job } = await workbench.startTraining(project.id, { architecture: 'unet', preset: 'tiny', epochs: 50, timeBudgetSeconds: 120, patchSize: 128 });
    const steps = await new Promise<number>((resolve) => {
      let seen = 0;
      const off = workbench.onJobEvent((e) => {
        if (e.job === job && e.kind === 'train' && e.event.type === 'step' && ++seen === 2) {
          off();
          resolve(seen);
        }
      });
    });
    await page.evaluate('window.__counting = true');
    const t0 = Date.now();
    for (let k = 0; k < 4; k++) await stroke(page, at, 600 + k * 900, MOVES);
    const seconds = (Date.now() - t0) / 1000;
    const during = (await page.evaluate(`(() => {
      window.__counting = false;
      return { latencies: window.__latencies.splice(0), work: window.__work.splice(0), frames: window.__frames };
    })()`)) as { latencies: number[]; work: number[]; frames: number };
    await workbench.cancelJob(job);

    const result = {
      benchmark: 'ui',
      when: new Date().toISOString(),
      device: `${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, headless Chromium --disable-gpu`,
      image: `${SIDE}x${SIDE} grey PNG`,
      openMs: { median: median(openSamples), samples: openSamples.map((v) => Math.round(v)), serverImagePngMs: Math.round(serverImagePngMs) },
      brushLatencyMs: { median: median(idle.latencies), p95: percentile(idle.latencies, 95), samples: idle.latencies.length },
      brushWorkMs: { median: median(idle.work), p95: percentile(idle.work, 95) },
      whileTraining: {
        trainingStepsBeforePainting: steps,
        brushLatencyMs: { median: median(during.latencies), p95: percentile(during.latencies, 95), samples: during.latencies.length },
        brushWorkMs: { median: median(during.work), p95: percentile(during.work, 95) },
        framesPerSecond: during.frames / seconds,
        seconds,
      },
      targets: { openMs: 1000, brushLatencyMedianMs: 16, framesPerSecondWhileTraining: 30 },
    };
    const json = JSON.stringify(result, null, 2);
    process.stdout.write(json + '\n');
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench', 'results', `ui-${result.when.replace(/[:.]/g, '-')}.json`), json + '\n');
  } finally {
    await bench.close();
  }
}

await main();
