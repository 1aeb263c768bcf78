// better-sqlite3 for Electron. Electron's Node has its own ABI, and better-sqlite3 is a classic native addon (not
// N-API), so the build in node_modules (made for Node by `npm install`) is refused inside Electron. Rebuilding it in
// place would break the CLI and the tests instead, so the Electron build lives apart, in electron/native/, one file
// per Electron version; the main process hands it to better-sqlite3 (nativeBinding, via SEGWORK_SQLITE_BINDING).
// bin/start.js builds it before the first start, electron-builder's beforeBuild before packaging.
// (ONNX Runtime, Dawn and tfjs-node are N-API addons: one build loads in Node and Electron alike.)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Where the better-sqlite3 addon for this Electron version and platform lives. */
export function electronSqlitePath(electronVersion, platform = process.platform, arch = process.arch) {
  return path.join(here, 'native', `better_sqlite3-electron-${electronVersion}-${platform}-${arch}.node`);
}

/**
 * Builds better-sqlite3 for `target` of `runtime` ('electron', or 'node' for another Node version) into `out`, from a
 * copy of node_modules/better-sqlite3 in a temporary folder (node_modules is never touched): better-sqlite3's
 * published prebuilt binary when prebuild-install can fetch it, else compiled with node-gyp against the runtime's
 * headers. Throws with the tools' last output when both fail.
 */
export function buildSqliteAddon({ runtime, target, out, platform = process.platform, arch = process.arch, log = () => {} }) {
  const source = path.dirname(require.resolve('better-sqlite3/package.json'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'segwork-sqlite-'));
  const run = (args) => spawnSync(process.execPath, args, { cwd: work, encoding: 'utf8', env: { ...process.env, npm_config_runtime: runtime, npm_config_target: target } });
  try {
    cpSync(source, work, { recursive: true, filter: (p) => !p.startsWith(path.join(source, 'build')) });
    const fromSource = createRequire(path.join(source, 'package.json'));
    log(`Fetching better-sqlite3 for ${runtime} ${target} (${platform}-${arch})…`);
    const prebuilt = run([fromSource.resolve('prebuild-install/bin.js'), `--runtime=${runtime}`, `--target=${target}`, `--platform=${platform}`, `--arch=${arch}`]);
    let failure = '';
    if (prebuilt.status !== 0) {
      log('No prebuilt binary; compiling it (needs Python and a C++ compiler)…');
      const distUrl = runtime === 'electron' ? ['--dist-url=https://electronjs.org/headers'] : [];
      const compiled = run([require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--release', `--target=${target}`, `--arch=${arch}`, ...distUrl]);
      // node-gyp's last lines are its stack and versions; the reason is the first error line above them.
      const errors = `${prebuilt.stderr}\n${compiled.stderr}`.split('\n').filter((line) => /ERR!|error/i.test(line) && !/ERR! stack\s+at /.test(line));
      if (compiled.status !== 0) failure = errors.slice(0, 6).join('\n') || 'node-gyp failed';
    }
    const built = path.join(work, 'build', 'Release', 'better_sqlite3.node');
    if (failure || !existsSync(built)) throw new Error(`could not build better-sqlite3 for ${runtime} ${target}:\n${failure || 'no addon was produced'}`);
    mkdirSync(path.dirname(out), { recursive: true });
    // Copied beside its final name, then renamed: a killed build never leaves a half-written addon that looks done.
    cpSync(built, `${out}.tmp-${process.pid}`);
    renameSync(`${out}.tmp-${process.pid}`, out);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The addon for this Electron version, built on first use. */
export function ensureElectronSqlite(electronVersion, options = {}) {
  const out = electronSqlitePath(electronVersion, options.platform, options.arch);
  return existsSync(out) ? out : buildSqliteAddon({ runtime: 'electron', target: electronVersion, out, ...options });
}

// electron-builder's beforeBuild hook: the preload bundle, and the addon for the Electron version and platform being
// packaged. Resolving false tells electron-builder not to rebuild node_modules for Electron, so the CLI and the tests
// keep working from the same checkout after packaging.
export default async function beforeBuild({ electronVersion, platform, arch }) {
  const { buildPreload } = await import('./build-preload.mjs');
  await buildPreload();
  ensureElectronSqlite(electronVersion, { platform: platform.nodeName, arch, log: console.log });
  return false;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `node electron/native-sqlite.mjs [ELECTRON_VERSION]`: build it by hand (default: the installed Electron).
  const version = process.argv[2] ?? require('electron/package.json').version;
  console.log(ensureElectronSqlite(version, { log: console.log }));
}
