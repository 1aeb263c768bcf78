// What the benches that drive the real browser share: a workbench and its server in this process on a temporary
// workspace, headless Chromium on the built renderer, and medians of their samples.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { startServer } from '../src/server/server.ts';
import { createWorkbench, type Workbench } from '../src/use-cases/workbench.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface BrowserBench {
  dir: string;
  workbench: Workbench;
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function openBrowserBench(prefix: string): Promise<BrowserBench> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const workbench = await createWorkbench({ workspaceDir: path.join(dir, 'ws') });
  const server = await startServer({ service: workbench, staticDir: path.join(ROOT, 'renderer', 'dist'), port: 0 });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  return {
    dir,
    workbench,
    url: server.url,
    browser,
    async close() {
      await browser.close();
      await server.close();
      await workbench.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Prints a browser bench's result as JSON, with when and where it ran, and keeps it as
 * bench/results/<benchmark>-<time>.json.
 */
export function reportBrowserBench(benchmark: string, runs: number, figures: Record<string, unknown>): void {
  const when = new Date().toISOString();
  const device = `${os.cpus()[0]?.model ?? 'cpu'} ×${os.cpus().length}, headless Chromium --disable-gpu`;
  const json = JSON.stringify({ benchmark, when, device, runs, ...figures }, null, 2);
  process.stdout.write(json + '\n');
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', `${benchmark}-${when.replace(/[:.]/g, '-')}.json`), json + '\n');
}
