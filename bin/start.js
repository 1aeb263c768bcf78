#!/usr/bin/env node
// `npm start`: builds the renderer if it is missing, then opens the desktop app in Electron, or, where the
// Electron binary could not be installed, says so in one line and opens the workbench in serve mode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function buildRendererIfMissing() {
  if (existsSync(path.join(root, 'renderer', 'dist', 'index.html'))) return;
  const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write('npm start: building the renderer failed (see above)\n');
    process.exit(1);
  }
}

/** The Electron executable, or null when the package or its downloaded binary is absent. */
function electronBinary() {
  try {
    // The electron package exports the path of its binary, and throws when the download never happened.
    const binary = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

/** Runs a child with our terminal, passes Ctrl-C and termination on, and exits with its code. */
function runAttached(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

buildRendererIfMissing();
const electron = electronBinary();
if (electron) {
  const { buildPreload } = await import('../electron/build-preload.mjs');
  await buildPreload();
  runAttached(electron, [path.join(root, 'electron', 'bootstrap.mjs')]);
} else {
  process.stdout.write('Electron binary is not installed; opening the workbench in serve mode instead (segwork serve --open).\n');
  runAttached(process.execPath, [path.join(root, 'bin', 'segwork.js'), 'serve', '--open']);
}
