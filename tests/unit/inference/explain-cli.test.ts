// `segwork explain` end to end: a saved model directory and a PNG in, a heatmap PNG and a JSON line out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { PNG } from 'pngjs';
import { initBackend } from '../../../src/compute/backends.ts';
import { explainCommand, parseExplainArgs, resolveClass } from '../../../src/cli/explain.ts';
import { UsageError } from '../../../src/cli/command.ts';
import { saveModelDir } from '../../../src/models/model-dir.ts';
import { getArchitecture, resolveConfig } from '../../../src/models/index.ts';

const classes = [
  { index: 0, name: 'background', color: '#000000' },
  { index: 1, name: 'cell', color: '#ff0000' },
];

async function fixture(t: import('node:test').TestContext) {
  const root = mkdtempSync(path.join(tmpdir(), 'segwork-explain-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await initBackend('wasm');
  const config = resolveConfig('unet', { inputChannels: 1, numClasses: 2 }, 'tiny');
  const model = getArchitecture('unet').build(config);
  const modelDir = path.join(root, 'model');
  await saveModelDir(modelDir, model, {
    format: 'segwork-model', formatVersion: 1, architecture: 'unet', config, classes, inputChannels: 1,
    normalisation: { mean: [128], std: [64] },
  });
  model.dispose();
  // Gray + alpha: the explain command drops the alpha band, as segment does.
  const png = new PNG({ width: 36, height: 28 });
  for (let i = 0; i < 36 * 28; i++) {
    const v = ((i % 36) - 18) ** 2 + (Math.floor(i / 36) - 14) ** 2 < 40 ? 220 : 30;
    png.data.set([v, v, v, 255], i * 4);
  }
  const image = path.join(root, 'cells.png');
  writeFileSync(image, PNG.sync.write(png, { colorType: 4 }));
  return { root, modelDir, image };
}

function captureIO() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (c) => out.push(String(c)));
  stderr.on('data', (c) => err.push(String(c)));
  return { io: { stdout, stderr, signal: new AbortController().signal }, out, err };
}

test('explain writes an image-sized heatmap PNG and reports what it did as JSON', async (t) => {
  const { root, modelDir, image } = await fixture(t);
  const out = path.join(root, 'heat.png');
  const { io, out: lines } = captureIO();
  const code = await explainCommand.run(['--model', modelDir, '--image', image, '--class', 'cell', '--region', '10,8,16,12', '--out', out, '--json'], io);
  assert.equal(code, 0);
  const report = JSON.parse(lines.join(''));
  assert.equal(report.classIndex, 1);
  assert.equal(report.className, 'cell');
  assert.equal(report.layer, 'bottom_relu2');
  assert.equal(report.regionPixels, 16 * 12);
  assert.deepEqual([report.width, report.height], [36, 28]);
  const png = PNG.sync.read(readFileSync(out));
  assert.deepEqual([png.width, png.height], [36, 28]);
  let max = 0;
  for (let i = 0; i < png.data.length; i += 4) max = Math.max(max, png.data[i]!);
  assert.ok(max === 255 || max === 0, 'the heatmap is scaled to its maximum (or empty)');
});

test('a chosen layer is used, and an unknown one lists the layers to choose from', async (t) => {
  const { root, modelDir, image } = await fixture(t);
  const out = path.join(root, 'heat.png');
  const { io, out: lines } = captureIO();
  await explainCommand.run(['--model', modelDir, '--image', image, '--class', '1', '--layer', 'enc1_relu2', '--region', '0,0,36,28', '--out', out, '--json'], io);
  const report = JSON.parse(lines.join(''));
  assert.equal(report.layer, 'enc1_relu2');
  assert.deepEqual(report.layerSize, [28, 36]);
  await assert.rejects(
    explainCommand.run(['--model', modelDir, '--image', image, '--class', '1', '--layer', 'enc9', '--out', out], captureIO().io),
    /CAM layer "enc9" is not in the model: choose one of .*enc1_conv1.*bottom_relu2/,
  );
});

test('arguments are checked before any work', () => {
  assert.throws(() => parseExplainArgs(['--image', 'a.png', '--class', '1', '--out', 'h.png']), /--model is required/);
  assert.throws(() => parseExplainArgs(['--model', 'm', '--image', 'a.png', '--class', '1', '--out', 'h.png', '--region', '1,2,3']), UsageError);
  assert.throws(() => parseExplainArgs(['--model', 'm', '--image', 'a.png', '--class', '1', '--out', 'h.png', '--region', '1,2,0,4']), /width and height > 0/);
  assert.equal(resolveClass('cell', { classes }), 1);
  assert.equal(resolveClass('0', { classes }), 0);
  assert.throws(() => resolveClass('road', { classes }), /--class "road" is not a class of this model: choose 0 \(background\), 1 \(cell\)/);
});
