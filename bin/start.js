#!/usr/bin/env node
// `npm start`: builds the renderer if it is missing, then opens the desktop app in Electron, or, where the
// Electron binary could not be installed, says so in one line and opens the workbench in serve mode. Before the
// first Electron start it builds better-sqlite3 for Electron's ABI beside node_modules (electron/native-sqlite.mjs),
// so the same install serves the CLI and tests (Node's ABI) and the desktop app.
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

/** The Electron executable and its version, or null when the package or its downloaded binary is absent. */
function installedElectron() {
  const require = createRequire(import.meta.url);
  try {
    // The electron package exports the path of its binary, and throws when the download never happened.
    const binary = require('electron');
    return typeof binary === 'string' && existsSync(binary) ? { binary, version: require('electron/package.json').version } : null;
  } catch {
    return null;
  }
}

/** better-sqlite3 for this Electron, built on the first start; null (after saying why) when it cannot be built. */
async function electronSqlite(version) {
  const { ensureElectronSqlite } = await import('../electron/native-sqlite.mjs');
  try {
    return ensureElectronSqlite(version, { log: (line) => process.stdout.write(line + '\n') });
  } catch (error) {
    process.stderr.write(`npm start: ${error.message}\n`);
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
const electron = installedElectron();
if (electron && (await electronSqlite(electron.version))) {
  const { buildPreload } = await import('../electron/build-preload.mjs');
  await buildPreload();
  runAttached(electron.binary, [path.join(root, 'electron', 'bootstrap.mjs')]);
} else {
  const why = electron ? 'SQLite could not be built for Electron' : 'Electron binary is not installed';
  process.stdout.write(`${why}; opening the workbench in serve mode instead (segwork serve --open).\n`);
  runAttached(process.execPath, [path.join(root, 'bin', 'segwork.js'), 'serve', '--open']);
}
