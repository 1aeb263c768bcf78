// The renderer learns the core's rules from the core (the catalogue, nextImage, labelExportFormats) and keeps no
// copy that can drift: no image file-name patterns, no class palette of its own, no "next image" query.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../helpers/tmp.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'dist' || e.name === 'node_modules' ? [] : sources(full);
    return /\.(ts|svelte)$/.test(e.name) ? [full] : [];
  });
}

const renderer = sources(path.join(repoRoot, 'renderer', 'src')).map((file) => ({ file: path.relative(repoRoot, file), text: readFileSync(file, 'utf8') }));

test('the renderer guesses nothing from image file names', () => {
  // A pattern naming image endings (png, tif, dcm, nii) is a second extension list or a format guessed from a name.
  const pattern = /\/[^/\n]*\\\.[^/\n]*\b(png|tiff?|dcm|nii)\b[^/\n]*\/[a-z]*/i;
  for (const { file, text } of renderer) assert.doesNotMatch(text, pattern, `${file} matches image file names itself`);
});

test('the renderer has no class palette of its own', () => {
  // Three or more colour literals in one array is a palette; the core's arrives in the catalogue.
  const palette = /\[\s*'#[0-9a-f]{6}'\s*,\s*'#[0-9a-f]{6}'\s*,\s*'#[0-9a-f]{6}'/i;
  for (const { file, text } of renderer) assert.doesNotMatch(text, palette, `${file} keeps a palette`);
});

test('the renderer asks the core for the next image instead of querying for one itself', () => {
  for (const { file, text } of renderer) assert.doesNotMatch(text, /status:\s*'unlabeled'[^)]*sort:\s*'uncertainty'/, `${file} picks the next image itself`);
});
