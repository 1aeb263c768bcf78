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

function readGray(file: string): { width: number; height: number; at: (x: number, y: number) => number } {
  const png = PNG.sync.read(readFileSync(file));
  return { width: png.width, height: png.height, at: (x, y) => png.data[(y * png.width + x) * 4]! };
}

test('explain --features draws a grid of the stage\'s channels, each scaled to its own range', async (t) => {
  const { root, modelDir, image } = await fixture(t);
  const out = path.join(root, 'features.png');
  const { io, out: lines } = captureIO();
  const code = await explainCommand.run(['--model', modelDir, '--image', image, '--features', 'encoder stage 1', '--channels', '3', '--out', out, '--json'], io);
  assert.equal(code, 0);
  const report = JSON.parse(lines.join(''));
  assert.equal(report.view, 'features');
  assert.match(report.layer, /^enc1_/);
  assert.equal(report.shown, Math.min(3, report.channels));
  assert.deepEqual(report.window, [0, 0, 36, 28]);
  const grid = readGray(out);
  assert.deepEqual([grid.width, grid.height], [report.width, report.height]);
  // The 36×28 image is padded to the U-Net's multiple; encoder stage 1 keeps the full resolution.
  const cellW = (grid.width + 1) / report.columns - 1;
  const cellH = (grid.height + 1) / Math.ceil(report.shown / report.columns) - 1;
  assert.ok(cellW >= 36 && cellH >= 28, `cell ${cellW}×${cellH}`);
  let drawn = 0;
  for (let cell = 0; cell < report.shown; cell++) {
    const left = (cell % report.columns) * (cellW + 1);
    const top = Math.floor(cell / report.columns) * (cellH + 1);
    let min = 255;
    let max = 0;
    for (let y = top; y < top + cellH; y++) {
      for (let x = left; x < left + cellW; x++) {
        min = Math.min(min, grid.at(x, y));
        max = Math.max(max, grid.at(x, y));
      }
    }
    // A channel that is constant over the window draws black; every other one spans the full range.
    assert.ok((min === 0 && max === 255) || max === 0, `cell ${cell}: ${min}..${max}`);
    if (max === 255) drawn++;
  }
  assert.ok(drawn > 0, 'no channel responds to the image');
});

test('explain --filters draws the first convolution\'s kernel, zero as mid-gray and the largest weight as white or black', async (t) => {
  const { root, modelDir } = await fixture(t);
  const out = path.join(root, 'filters.png');
  const { io, out: lines } = captureIO();
  assert.equal(await explainCommand.run(['--model', modelDir, '--filters', '--out', out, '--json'], io), 0);
  const report = JSON.parse(lines.join(''));
  assert.equal(report.view, 'filters');
  const { loadModelDir } = await import('../../../src/models/model-dir.ts');
  const { model } = await loadModelDir(modelDir);
  const conv = model.layers.find((l) => l.name === report.layer)!;
  const kernel = conv.getWeights()[0]!;
  const [kh, kw, , filters] = kernel.shape as number[];
  const values = kernel.dataSync();
  model.dispose();
  assert.equal(report.channels, filters);
  const grid = readGray(out);
  const zoom = 8;
  const cellW = kw! * zoom;
  const cellH = kh! * zoom;
  for (let f = 0; f < report.shown; f++) {
    const left = (f % report.columns) * (cellW + 1);
    const top = Math.floor(f / report.columns) * (cellH + 1);
    let peak = 0;
    for (let i = f; i < values.length; i += filters!) peak = Math.max(peak, Math.abs(values[i]!));
    for (let ky = 0; ky < kh!; ky++) {
      for (let kx = 0; kx < kw!; kx++) {
        const expected = Math.round(127.5 + (127.5 * values[(ky * kw! + kx) * filters! + f]!) / peak);
        assert.equal(grid.at(left + kx * zoom + 3, top + ky * zoom + 3), expected, `filter ${f} at ${kx},${ky}`);
      }
    }
  }
});

test('explain --features names the stages and layers to choose from when the layer is unknown', async (t) => {
  const { root, modelDir, image } = await fixture(t);
  const { io } = captureIO();
  await assert.rejects(
    explainCommand.run(['--model', modelDir, '--image', image, '--features', 'nope', '--out', path.join(root, 'x.png')], io),
    (e: Error) => e instanceof UsageError && /"nope" is not a stage or spatial layer/.test(e.message) && /bottleneck/.test(e.message),
  );
  assert.throws(() => parseExplainArgs(['--model', modelDir, '--filters', '--features', 'bottleneck', '--out', 'x.png']), UsageError);
});
