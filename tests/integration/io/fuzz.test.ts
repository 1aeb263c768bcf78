// Mutated bytes of real sample files must end in a decoded image or an InputError: no other exception, no hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fork } from 'node:child_process';
import { gunzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const data = path.resolve(here, '../../..', '../shared/data');
const SAMPLES = [
  'dicom-parser-samples/MR_small.dcm',
  'dicom-parser-samples/MR_small_jp2klossless.dcm',
  'dicom-parser-samples/MR_small_jpeg_ls_lossless.dcm',
  'dicom-parser-samples/SC_rgb_rle.dcm',
  'dicom-parser-samples/SC_rgb_jpeg_gdcm.dcm',
  'dicom-parser-samples/image_dfl.dcm',
  'totalsegmentator-ct-mr/example_seg.nii.gz',
  'geotiff-reader-samples/opengeos/elevation_dsm.tif',
  'isbi2012-membrane/train/label/0.png',
  'dubai-aerial-landcover/Tile 1/images/image_part_001.jpg',
];
const MUTANTS_PER_FILE = 40;
/** Longest one file may take before we call it a hang (generous: the machine is shared). */
const HANG_MS = 20_000;

/** Deterministic PRNG (mulberry32), so a failure names a mutant that can be rebuilt. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Byte flips concentrated in the first 2 KiB (headers), random overwrites elsewhere, or a cut. */
function mutate(bytes: Uint8Array, seed: number): Uint8Array {
  const next = random(seed);
  if (seed % 4 === 3) return bytes.slice(0, Math.floor(next() * bytes.length));
  const out = bytes.slice();
  const flips = 1 + Math.floor(next() * 8);
  for (let i = 0; i < flips; i++) {
    const inHeader = next() < 0.7;
    const at = Math.floor(next() * (inHeader ? Math.min(2048, out.length) : out.length));
    out[at] = next() < 0.5 ? out[at] ^ (1 << Math.floor(next() * 8)) : Math.floor(next() * 256);
  }
  return out;
}

test('mutated sample files give an image or an InputError, never a crash or a hang', { timeout: 600_000 }, async (t) => {
  const present = SAMPLES.map((s) => path.join(data, s)).filter(existsSync);
  if (present.length === 0) return t.skip(`no sample data under ${data}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'segwork-fuzz-'));
  const mutants: string[] = [];
  for (const sample of present) {
    let bytes: Uint8Array = await readFile(sample);
    let name = path.basename(sample);
    // Mutate NIfTI inside the gzip, or nearly every mutant would only test gzip's checksum.
    if (name.endsWith('.nii.gz')) { bytes = gunzipSync(bytes); name = name.replace(/\.gz$/, ''); }
    for (let seed = 0; seed < MUTANTS_PER_FILE; seed++) {
      const mutant = path.join(dir, `${seed}-${name}`);
      await writeFile(mutant, mutate(bytes, seed));
      mutants.push(mutant);
    }
  }
  // A child process, not a worker thread: the Emscripten codecs take a worker thread for one of their own pthreads.
  const child = fork(fileURLToPath(new URL('./fuzz-worker.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let childErrors = '';
  child.stderr!.on('data', (chunk) => { childErrors += String(chunk); });
  const crashes: string[] = [];
  const counts = { ok: 0, 'input-error': 0, crash: 0 };
  try {
    for (const mutant of mutants) {
      const outcome = await new Promise<{ kind: keyof typeof counts; message?: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`hang: ${path.basename(mutant)} took over ${HANG_MS} ms`)), HANG_MS);
        const onExit = (code: number | null) => { clearTimeout(timer); reject(new Error(`reader process died (exit ${code}) on ${path.basename(mutant)}: ${childErrors.slice(-500)}`)); };
        child.once('exit', onExit);
        child.once('message', (message) => { clearTimeout(timer); child.off('exit', onExit); resolve(message as { kind: keyof typeof counts; message?: string }); });
        child.send(mutant);
      });
      counts[outcome.kind]++;
      if (outcome.kind === 'crash') crashes.push(`${path.basename(mutant)}: ${outcome.message}`);
    }
  } finally {
    child.kill();
    await rm(dir, { recursive: true, force: true });
  }
  t.diagnostic(`${mutants.length} mutants: ${counts.ok} decoded, ${counts['input-error']} InputError, ${counts.crash} other errors`);
  assert.deepEqual(crashes, []);
});
