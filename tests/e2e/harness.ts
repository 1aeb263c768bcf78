// What every e2e test needs: a built renderer, a real `segwork serve --port 0` child process on a temporary
// workspace, a headless Chromium, and small synthetic images to label.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ImageInfo, ProjectInfo } from '../../src/api/types.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(REPO_ROOT, 'tests', 'e2e', 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`;
}

export function ensureRendererBuilt(): void {
  if (existsSync(path.join(REPO_ROOT, 'renderer', 'dist', 'index.html'))) return;
  const build = spawnSync('npm', ['run', 'build:renderer'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build:renderer failed');
}

export interface Served {
  url: string;
  port: number;
  token: string;
  workspace: string;
  child: ChildProcess;
  /** Calls the API the way the renderer does, with the token as a header. */
  call<T>(method: string, ...args: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

/** Starts `node bin/segwork.js serve --port 0 --workspace <tmp>` and reads the address from its first line. */
export async function startServe(workspace: string): Promise<Served> {
  const child = spawn(process.execPath, ['bin/segwork.js', 'serve', '--port', '0', '--workspace', workspace], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`segwork serve exited with ${code} before printing its address: ${stderr}`)));
  });
  const match = /^Workbench: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+))$/.exec(firstLine);
  if (!match) throw new Error(`unexpected first line from segwork serve: ${firstLine}`);
  const [, url, port, token] = match;
  return {
    url,
    port: Number(port),
    token,
    workspace,
    child,
    async call<T>(method: string, ...args: unknown[]): Promise<T> {
      const response = await fetch(`http://127.0.0.1:${port}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-segwork-token': token },
        body: JSON.stringify(args),
      });
      const body = (await response.json()) as { result?: T; error?: string };
      if (!response.ok) throw new Error(`${method}: ${body.error}`);
      return body.result as T;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** A browser with one page on the served workbench, and the page's error list. */
export async function openWorkbench(served: Served, options: { acceptDownloads?: boolean } = {}): Promise<{ browser: Browser; page: Page; errors: string[] }> {
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 850 }, ...options });
  const errors = watchErrors(page);
  await page.goto(served.url);
  return { browser, page, errors };
}

/** Ends what a suite's `before` started: the browser, the server, the temporary folder (each if it was made). */
export async function closeWorkbench(browser: Browser | undefined, served: Served | undefined, dir: string | undefined): Promise<void> {
  await browser?.close();
  await served?.stop();
  if (dir) removeDir(dir);
}

/** Collects page errors so a test can assert the UI ran without uncaught exceptions. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  return errors;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Grey images with a bright disc on a dark, noisy background: two classes a tiny model learns in seconds. */
export function writeDiscImages(dir: string, names: string[], size = 96): void {
  mkdirSync(dir, { recursive: true });
  let seed = 7;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 31) - 15;
  names.forEach((name, k) => {
    const png = new PNG({ width: size, height: size, colorType: 0, inputColorType: 0, bitDepth: 8 });
    const cx = size / 2 + (k % 2 ? 8 : -8);
    const cy = size / 2 + (k % 3) * 4 - 4;
    const r = size * 0.22;
    const grey = Buffer.alloc(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
        grey[y * size + x] = Math.max(0, Math.min(255, (inside ? 200 : 50) + noise()));
      }
    }
    png.data = grey;
    writeFileSync(path.join(dir, name), PNG.sync.write(png, { colorType: 0, inputColorType: 0 }));
  });
}

/**
 * A two-class project of disc images (see writeDiscImages) made through the API, each image labeled with a
 * background square in a corner and a disc square at the centre: enough for a model to train on at once.
 */
export async function labeledDiscProject(served: Served, name: string, folder: string, names: string[], size: number): Promise<{ project: ProjectInfo; images: ImageInfo[] }> {
  writeDiscImages(folder, names, size);
  const project = await served.call<ProjectInfo>('createProject', name, [{ name: 'background', color: '#4caf50' }, { name: 'disc', color: '#e91e63' }]);
  const { added } = await served.call<{ added: ImageInfo[] }>('addImages', project.id, [folder]);
  const square = (x: number, y: number, side: number, value: number) => ({ x, y, width: side, height: side, data: Buffer.alloc(side * side, value).toString('base64') });
  for (const image of added) await served.call('saveMaskPatches', image.id, 0, [square(0, 0, size / 4, 0), square(size / 2 - 4, size / 2 - 4, 8, 1)]);
  return { project, images: added.sort((a, b) => a.name.localeCompare(b.name)) };
}

/** Screen position of an image pixel centre, for an image fitted into the "Image canvas" surface. */
export async function imageToScreen(page: Page, imageWidth: number, imageHeight: number): Promise<(x: number, y: number) => { x: number; y: number }> {
  const box = (await page.getByLabel('Image canvas').boundingBox())!;
  const s = Math.min(box.width / imageWidth, box.height / imageHeight);
  const ox = box.x + (box.width - imageWidth * s) / 2;
  const oy = box.y + (box.height - imageHeight * s) / 2;
  return (x, y) => ({ x: ox + (x + 0.5) * s, y: oy + (y + 0.5) * s });
}

/** A horizontal brush stroke (size 4) of a class along image row y of a size × size image, as a user paints it. */
export async function paintRow(page: Page, size: number, y: number, className = 'disc'): Promise<void> {
  await page.getByRole('button', { name: className, exact: true }).click();
  await page.getByRole('button', { name: 'Brush' }).click();
  await page.getByLabel('Brush size').fill('4');
  const at = await imageToScreen(page, size, size);
  await page.mouse.move(at(5, y).x, at(5, y).y);
  await page.mouse.down();
  await page.mouse.move(at(size - 6, y).x, at(size - 6, y).y, { steps: 4 });
  await page.mouse.up();
}

/** RGBA of the n-th Konva layer canvas (0 image, 1 labels, 2 overlay, 3 a tool's preview, 4 tools, 5 threshold tint) at a page position. */
export async function layerPixel(page: Page, layer: number, at: { x: number; y: number }): Promise<[number, number, number, number]> {
  return page.evaluate(
    ({ layer, at }) => {
      const canvases = document.querySelectorAll<HTMLCanvasElement>('[aria-label="Image canvas"] canvas');
      const canvas = canvases[layer];
      const box = canvas.getBoundingClientRect();
      const ratio = canvas.width / box.width;
      const data = canvas.getContext('2d')!.getImageData(Math.floor((at.x - box.left) * ratio), Math.floor((at.y - box.top) * ratio), 1, 1).data;
      return [data[0], data[1], data[2], data[3]] as [number, number, number, number];
    },
    { layer, at },
  );
}

/** Whether any of 6 neighbouring image pixels (one period of a volume preview's stripes) is drawn on a layer. */
export async function drawnNear(page: Page, image: { width: number; height: number }, layer: number, x: number, y: number): Promise<boolean> {
  const at = await imageToScreen(page, image.width, image.height);
  for (let dx = 0; dx < 6; dx++) if ((await layerPixel(page, layer, at(x + dx, y)))[3] > 0) return true;
  return false;
}

/** Polls (the store, say) until `read` gives what `done` accepts (or 10 s pass), and returns the last reading. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

export interface DiscWorkbench {
  dir: string;
  served: Served;
  browser: Browser;
  page: Page;
  errors: string[];
  projectId: number;
}

/**
 * The training suites' start: a served workspace with a labeled two-image disc project (see labeledDiscProject) and
 * its first image open in the editor. Close it with closeWorkbench(w?.browser, w?.served, w?.dir).
 */
export async function discProjectInEditor(prefix: string, size: number): Promise<DiscWorkbench> {
  ensureRendererBuilt();
  const dir = tempDir(prefix);
  const served = await startServe(path.join(dir, 'workspace'));
  const { project } = await labeledDiscProject(served, 'Discs', path.join(dir, 'images'), ['a.png', 'b.png'], size);
  const { browser, page, errors } = await openWorkbench(served);
  await page.getByRole('button', { name: 'a.png', exact: true }).click();
  await page.getByLabel('Image canvas').waitFor();
  return { dir, served, browser, page, errors, projectId: project.id };
}

/** The TotalSegmentator CT series (20 axial slices of 512²) in ../shared/data. */
export const CT_SERIES = path.resolve(REPO_ROOT, '../shared/data/totalsegmentator-ct-mr/example_ct_dicom');

/** Why a test of the CT series must skip here, or null. */
export function ctSeriesMissing(): string | null {
  return chromiumMissing() ?? (existsSync(CT_SERIES) ? null : `${CT_SERIES} is missing (../shared/data not present)`);
}

/** A served workspace whose project "CT" (background, liver) holds the CT series as its one image, in a browser. */
export async function ctSeriesInWorkbench(prefix: string, options: { acceptDownloads?: boolean } = {}): Promise<{ dir: string; served: Served; browser: Browser; page: Page; errors: string[]; ct: ImageInfo }> {
  ensureRendererBuilt();
  const dir = tempDir(prefix);
  const served = await startServe(path.join(dir, 'workspace'));
  const project = await served.call<ProjectInfo>('createProject', 'CT', [{ name: 'background', color: '#4caf50' }, { name: 'liver', color: '#e91e63' }]);
  const { added } = await served.call<{ added: ImageInfo[] }>('addImages', project.id, [CT_SERIES]);
  if (added.length !== 1) throw new Error(`the CT series should be one image, got ${added.length}`);
  const { browser, page, errors } = await openWorkbench(served, options);
  return { dir, served, browser, page, errors, ct: added[0]! };
}
