// The module boundaries the architecture promises, checked on the sources (README, "Architecture"): the contract
// (src/api) stands alone, the foundation layers never reach up to the work built on them, the label model is pure
// (no Node, no DOM, nothing of the core but the API types), and the renderer reaches the core only through the
// contract and src/labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'dist' || e.name === 'node_modules' ? [] : sources(full);
    return /\.(ts|svelte)$/.test(e.name) ? [full] : [];
  });
}

/** Import specifiers of a file, resolved to repository-relative paths when relative. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
  return found.map((s) => (s.startsWith('.') ? path.relative(ROOT, path.resolve(path.dirname(file), s)) : s));
}

const folder = (name: string) => sources(path.join(ROOT, 'src', name));

test('src/api, the contract, imports nothing but itself', () => {
  for (const file of folder('api')) {
    for (const spec of imports(file)) assert.ok(spec.startsWith('src/api/'), `${path.relative(ROOT, file)} imports ${spec}`);
  }
});

test('the foundation (io, models, store, metrics, compute) never imports the layers built on it', () => {
  const above = ['src/use-cases/', 'src/training/', 'src/inference/', 'src/anomaly/', 'src/jobs/', 'src/cli/', 'src/server/', 'electron/'];
  for (const name of ['io', 'models', 'store', 'metrics', 'compute']) {
    for (const file of folder(name)) {
      for (const spec of imports(file)) assert.ok(!above.some((a) => spec.startsWith(a)), `${path.relative(ROOT, file)} imports ${spec}`);
    }
  }
});

test('training, inference, anomaly and jobs never import the use cases or the front doors', () => {
  const above = ['src/use-cases/', 'src/cli/', 'src/server/', 'electron/'];
  for (const name of ['training', 'inference', 'anomaly', 'jobs']) {
    for (const file of folder(name)) {
      for (const spec of imports(file)) assert.ok(!above.some((a) => spec.startsWith(a)), `${path.relative(ROOT, file)} imports ${spec}`);
    }
  }
});

test('the use cases never import the front doors', () => {
  for (const file of folder('use-cases')) {
    for (const spec of imports(file)) assert.ok(!/^(src\/cli|src\/server|electron)\//.test(spec), `${path.relative(ROOT, file)} imports ${spec}`);
  }
});

test('src/labels imports only itself and the API contract (types, service, error kinds)', () => {
  for (const file of sources(path.join(ROOT, 'src', 'labels'))) {
    for (const spec of imports(file)) {
      const ok = spec.startsWith('src/labels/') || spec === 'src/api/types.ts' || spec === 'src/api/service.ts' || spec === 'src/api/errors.ts';
      assert.ok(ok, `${path.relative(ROOT, file)} imports ${spec}`);
    }
  }
});

test('the renderer imports only its own files, browser packages, the src/api contract and src/labels', () => {
  const allowedPackages = new Set(['svelte', 'konva']);
  const files = sources(path.join(ROOT, 'renderer', 'src'));
  assert.ok(files.length > 5, 'renderer sources found');
  for (const file of files) {
    for (const spec of imports(file)) {
      const ok =
        spec.startsWith('renderer/') ||
        allowedPackages.has(spec) ||
        spec === 'src/api/types.ts' ||
        spec === 'src/api/service.ts' ||
        spec === 'src/api/errors.ts' ||
        spec.startsWith('src/labels/');
      assert.ok(ok, `${path.relative(ROOT, file)} imports ${spec}`);
    }
  }
});
