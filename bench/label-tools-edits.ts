// Interpolation between slices and label morphology, driven through the real browser (headless Chromium against a
// real server and workbench in this process), timed from the key press to the frame after the preview shows, and
// from Enter to the frame after the accepted labels are shown and saved (medians; Ctrl+Z between runs).
// Interpolation: two squares of class 1 ten slices apart on the 20-slice CT series in ../shared/data (left out when
// absent), `I` then Enter; then grow by 3 voxels on that whole volume (`M`, scope "Whole volume"). Morphology at
// 4096²: the plane bench/label-morphology.ts times the core on, `M` (the menu opens on the last operation chosen)
// then Enter, for fill holes, opening and grow (radius 3, as that bench).
// Usage: node bin/run-ts.js bench/label-tools-edits.ts [--json] [--runs N]   (writes bench/results/label-tools-edits-<time>.json)
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { ImageInfo, MorphologyOperation } from '../src/api/types.ts';
import type { Workbench } from '../src/use-cases/workbench.ts';
import { median, openBrowserBench, reportBrowserBench, ROOT } from './browser-bench.ts';
import { writeLargeBand } from './label-tools-threshold.ts';
import { paintedPlane } from './painted-labels.ts';

const CT_SERIES = path.resolve(ROOT, '../shared/data/totalsegmentator-ct-mr/example_ct_dicom');
const SIDE = 4096;
const RADIUS = 3;
const OPERATIONS: MorphologyOperation[] = ['fill-holes', 'open', 'grow'];
const quiet = process.argv.includes('--json');
const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5;
const progress = (line: string) => {
  if (!quiet) process.stderr.write(`${line}\n`);
};

// Code that runs in the page is kept as source text: this file compiles against Node types, not the DOM.
/** Notes when any key goes down (capture phase, before the editor's handler), so a time includes the whole action. */
const NOTE_KEYS = `window.addEventListener('keydown', () => { window.__keyAt = performance.now(); }, true)`;

/** Milliseconds from the last key press to the frame after each of `conditions` (page source) holds, in turn. */
const sinceKey = (conditions: string[]) => `(async () => {
  const text = (label) => document.querySelector('[aria-label="' + label + '"]')?.textContent ?? '';
  const deadline = performance.now() + 300000;
  const times = [];
  for (const condition of [${conditions.map((c) => `() => (${c})`).join(', ')}]) {
    while (!condition()) {
      if (performance.now() > deadline) throw new Error('timed out waiting for: ' + condition);
      await new Promise((r) => requestAnimationFrame(r));
    }
    await new Promise((r) => requestAnimationFrame(r));
    times.push(performance.now() - window.__keyAt);
  }
  return times;
})()`;
const SAVED = `text('Save status') === 'Saved'`;

/** Presses `key` on the canvas; the milliseconds until each condition held. */
async function press(page: Page, key: string, ...conditions: string[]): Promise<number[]> {
  await page.getByLabel('Image canvas').focus();
  await page.keyboard.press(key);
  return (await page.evaluate(sinceKey(conditions))) as number[];
}

function summary(samples: number[]) {
  return { median: Math.round(median(samples)), samples: samples.map(Math.round) };
}

async function openImage(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Images', exact: true }).click();
  await page.getByRole('button', { name, exact: true }).click();
  await page.getByLabel('Image canvas').waitFor();
  await page.getByLabel('Save status').filter({ hasText: 'Saved' }).waitFor({ timeout: 120_000 });
}

/** A square of class 1 on one slice, saved as a patch. */
async function square(workbench: Workbench, image: ImageInfo, slice: number, side: number): Promise<void> {
  const x = Math.round(image.width / 2 - side / 2);
  const y = Math.round(image.height / 2 - side / 2);
  const data = Buffer.alloc(side * side, 1).toString('base64');
  await workbench.saveMaskPatches(image.id, await latest(workbench, image), [{ x, y, width: side, height: side, data }], slice);
}

async function latest(workbench: Workbench, image: ImageInfo): Promise<number> {
  return (await workbench.getMask(image.id)).revision;
}

/** `I` to the preview on 9 slices, Enter to the 9 slices saved and the plane reloaded; Ctrl+Z puts them back. */
async function interpolationCase(page: Page, workbench: Workbench, ct: ImageInfo) {
  await square(workbench, ct, 4, 40);
  await square(workbench, ct, 14, 100);
  await openImage(page, ct.name);
  const preview: number[] = [];
  const accept: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    progress(`interpolation run ${i + 1}/${RUNS}…`);
    preview.push(...(await press(page, 'i', `text('Volume edit').startsWith('Preview on 9 slices')`)));
    accept.push(...(await press(page, 'Enter', `text('Volume edit').startsWith('Filled 9 slices') && ${SAVED}`)));
    await press(page, 'Control+z', `text('Volume edit').startsWith('Took back') && ${SAVED}`);
  }
  return { image: `CT series ${ct.width}×${ct.height}×${ct.slices}, 9 slices filled between slices 5 and 15`, previewMs: summary(preview), acceptMs: summary(accept) };
}

/** Grow by 3 voxels on the whole CT volume (the interpolation's two squares): `M` to the preview, Enter to saved. */
async function volumeMorphologyCase(page: Page) {
  await page.getByRole('button', { name: 'object', exact: true }).click();
  await page.getByRole('button', { name: 'Morphology', exact: true }).click();
  await page.getByLabel('Morphology scope').selectOption('volume');
  await page.getByLabel('Morphology operation').selectOption('grow');
  await page.getByLabel('Morphology radius').fill(String(RADIUS));
  await page.getByLabel('Morphology preview').filter({ hasText: /voxels added/ }).waitFor({ timeout: 300_000 });
  await press(page, 'Escape', `!document.querySelector('[aria-label="Morphology"]')`);
  const preview: number[] = [];
  const accept: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    progress(`volume morphology run ${i + 1}/${RUNS}…`);
    preview.push(...(await press(page, 'm', `/voxels added/.test(text('Morphology preview')) && text('Volume edit').startsWith('Preview on')`)));
    accept.push(...(await press(page, 'Enter', `text('Volume edit').startsWith('Changed') && ${SAVED}`)));
    await press(page, 'Control+z', `text('Volume edit').startsWith('Took back') && ${SAVED}`);
  }
  // Back to the plane for the next image.
  await page.getByRole('button', { name: 'Morphology', exact: true }).click();
  await page.getByLabel('Morphology scope').selectOption('plane');
  await press(page, 'Escape', `!document.querySelector('[aria-label="Morphology"]')`);
  return { image: 'the same CT series and squares, whole volume in 3D', operation: 'grow', radius: RADIUS, previewMs: summary(preview), acceptMs: summary(accept) };
}

/** Per operation: `M` to the preview's summary, Enter to the menu closed and the labels saved; Ctrl+Z undoes. */
async function morphologyCase(page: Page, image: ImageInfo) {
  await openImage(page, image.name);
  await page.getByRole('button', { name: 'object', exact: true }).click();
  const cases = [];
  for (const operation of OPERATIONS) {
    // Choose the operation once; each timed `M` opens the menu on it.
    await page.getByRole('button', { name: 'Morphology', exact: true }).click();
    await page.getByLabel('Morphology operation').selectOption(operation);
    if (operation !== 'fill-holes') await page.getByLabel('Morphology radius').fill(String(RADIUS));
    await page.getByLabel('Morphology preview').filter({ hasText: /pixels added/ }).waitFor({ timeout: 300_000 });
    await press(page, 'Escape', `!document.querySelector('[aria-label="Morphology"]')`);
    const preview: number[] = [];
    const shown: number[] = [];
    const saved: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      progress(`morphology ${operation} run ${i + 1}/${RUNS}…`);
      preview.push(...(await press(page, 'm', `/pixels added/.test(text('Morphology preview'))`)));
      // Applied on screen (the menu closes in the same handler), then stored by the autosave.
      const [onScreen, stored] = await press(page, 'Enter', `!document.querySelector('[aria-label="Morphology"]')`, SAVED);
      shown.push(onScreen!);
      saved.push(stored!);
      await press(page, 'Control+z', SAVED);
    }
    cases.push({ operation, radius: operation === 'fill-holes' ? undefined : RADIUS, previewMs: summary(preview), acceptShownMs: summary(shown), acceptSavedMs: summary(saved) });
  }
  return { image: `${SIDE}×${SIDE} grey PNG, the painted plane of bench/label-morphology.ts, class 1`, operations: cases };
}

async function main(): Promise<void> {
  const bench = await openBrowserBench('segwork-bench-edits-');
  const { dir, workbench, browser } = bench;
  try {
    // Three classes, as bench/label-morphology.ts paints them; the menu works on class 1.
    const classes = [{ name: 'background', color: '#4caf50' }, { name: 'object', color: '#e91e63' }, { name: 'other', color: '#2196f3' }];
    const project = await workbench.createProject('Bench', classes);
    mkdirSync(path.join(dir, 'images'));
    progress(`writing a ${SIDE}×${SIDE} image and its labels…`);
    writeLargeBand(path.join(dir, 'images', 'large.png'), SIDE);
    const [large] = (await workbench.addImages(project.id, [path.join(dir, 'images', 'large.png')])).added as ImageInfo[];
    await workbench.saveMaskPatches(large!.id, 0, [{ x: 0, y: 0, width: SIDE, height: SIDE, data: Buffer.from(paintedPlane(SIDE)).toString('base64') }]);
    const ct = existsSync(CT_SERIES) ? ((await workbench.addImages(project.id, [CT_SERIES])).added[0] as ImageInfo) : null;

    const page = await browser.newPage({ viewport: { width: 1400, height: 850 } });
    await page.goto(bench.url);
    await page.getByRole('button', { name: large!.name, exact: true }).waitFor();
    await page.evaluate(NOTE_KEYS);
    const skipped = { skipped: `${CT_SERIES} is missing (../shared/data not present)` };
    const interpolation = ct ? await interpolationCase(page, workbench, ct) : skipped;
    const volumeMorphology = ct ? await volumeMorphologyCase(page) : skipped;
    const morphology = await morphologyCase(page, large!);
    reportBrowserBench('label-tools-edits', RUNS, { interpolation, volumeMorphology, morphology });
  } finally {
    await bench.close();
  }
}

await main();
