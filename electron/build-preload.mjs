// Bundles electron/preload.ts into electron/dist/preload.cjs: a sandboxed preload must be one CommonJS file
// that requires nothing but 'electron'. Run by bin/start.js and before packaging (electron/native-sqlite.mjs).
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PRELOAD_OUT = path.join(here, 'dist', 'preload.cjs');

export async function buildPreload() {
  await build({
    entryPoints: [path.join(here, 'preload.ts')],
    outfile: PRELOAD_OUT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    external: ['electron'],
    logLevel: 'warning',
  });
  return PRELOAD_OUT;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildPreload();
