#!/usr/bin/env node
// `npm test` after the type check: every *.test.ts under tests/ (unit, integration, e2e) with node's test runner.
// Pass folders or files to run a subset: node scripts/test.js tests/unit
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const targets = process.argv.slice(2).length ? process.argv.slice(2) : ['tests/unit', 'tests/integration', 'tests/e2e'];

function collect(p, out) {
  if (!existsSync(p)) return out;
  if (statSync(p).isFile()) return out.push(p), out;
  for (const entry of readdirSync(p).sort()) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const full = path.join(p, entry);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (entry.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const files = targets.flatMap((t) => collect(path.resolve(root, t), []));
if (files.length === 0) {
  console.error(`no test files under ${targets.join(', ')}`);
  process.exit(1);
}
// The end-to-end tests drive the built renderer: build it from the current sources first.
if (files.some((f) => f.includes(`${path.sep}e2e${path.sep}`))) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build:renderer'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const env = { ...process.env };
// WebGPU tests run on SwiftShader (Debian's chromium package) where no GPU driver is present.
const swiftshader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!env.VK_ICD_FILENAMES && existsSync(swiftshader)) env.VK_ICD_FILENAMES = swiftshader;
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=900000', ...files.map((f) => path.relative(root, f))], {
  cwd: root,
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);
