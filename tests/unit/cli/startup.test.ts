// What the CLI loads before it does anything: the help of every command and the command list import none of the heavy
// packages (TensorFlow.js's start-up alone made `segwork --help` take seconds), and `inspect` never imports
// TensorFlow.js; checked in real processes where importing them fails.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { segworkRefusing, segworkWithoutTfjs } from '../../helpers/cli.ts';
import { writeGrayPng } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { COMMANDS } from '../../../src/cli/commands.ts';

test('the guard works: a command that needs tfjs fails under it, naming the import', async () => {
  const r = await segworkWithoutTfjs(['doctor', '--json']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refused import: @tensorflow\/tfjs/);
});

test('--help lists every command without loading tfjs; an unknown command names them all', async () => {
  const help = await segworkWithoutTfjs(['--help']);
  assert.equal(help.code, 0, help.stderr);
  for (const { name, summary } of COMMANDS) assert.ok(help.stdout.includes(`${name}  `) && help.stdout.includes(summary), name);
  assert.match(help.stdout, /130 quit by Ctrl-C/);
  const unknown = await segworkWithoutTfjs(['trian']);
  assert.equal(unknown.code, 2, unknown.stderr);
  assert.match(unknown.stderr, /unknown command "trian"; commands: doctor, train/);
});

// What a command's --help must not load: TensorFlow.js, ONNX Runtime, WebGPU, SQLite, the image readers and writers,
// the ONNX protobuf classes. Each of them loads when its command runs.
const HEAVY = ['@tensorflow/', 'onnxruntime-node', 'webgpu', 'better-sqlite3', 'geotiff', 'dcmjs', 'dcmjs-codecs', 'dicom-parser', '@cornerstonejs/', 'nifti-reader-js', 'pngjs', 'jpeg-js', 'fflate', 'onnx-proto', 'bullmq'];

test('every command shows its --help without loading tfjs, the readers, SQLite or ONNX Runtime', async () => {
  const guard = await segworkRefusing(HEAVY, ['doctor', '--json']);
  assert.match(guard.stderr, /refused import: /, 'the guard refuses what doctor loads');
  for (const { name } of COMMANDS) {
    const r = await segworkRefusing(HEAVY, [name, '--help']);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: segwork ${name} `), name);
  }
  const overview = await segworkRefusing(HEAVY, ['--help']);
  assert.equal(overview.code, 0, overview.stderr);
});

test('models counts on the plain CPU backend: neither libtensorflow, Dawn (WebGPU) nor ONNX Runtime is loaded for it', async () => {
  const r = await segworkRefusing(['@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-webgpu', 'webgpu', 'onnxruntime-node'], ['models', '--json', '--classes', '3']);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { architecture: string; preset: string; parameters: number }[];
  assert.ok(rows.some((row) => row.architecture === 'unet' && row.preset === 'tiny' && row.parameters > 0));
});

test('inspect takes several files, without loading tfjs; an unreadable one is reported and the rest described', async (t) => {
  const dir = tempDir(t);
  const a = path.join(dir, 'a.png');
  const b = path.join(dir, 'b.png');
  writeGrayPng(a, 5, 3, new Uint8Array(15).fill(1));
  writeGrayPng(b, 2, 7, new Uint8Array(14).fill(2));
  const r = await segworkWithoutTfjs(['inspect', a, b, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).map((i: { file: string; width: number; height: number }) => [path.basename(i.file), i.width, i.height]), [['a.png', 5, 3], ['b.png', 2, 7]]);

  const broken = path.join(dir, 'broken.png');
  writeFileSync(broken, 'not a png');
  const partial = await segworkWithoutTfjs(['inspect', a, broken, b]);
  assert.equal(partial.code, 2);
  assert.match(partial.stdout, /a\.png {2}png {2}5x3[\s\S]*b\.png {2}png {2}2x7/);
  assert.match(partial.stderr, /broken\.png: not a supported image/);
});
