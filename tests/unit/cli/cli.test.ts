// The `segwork` CLI as a user runs it: real processes, real files, exit codes, JSON and error lines.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { jsonLines, segwork } from '../../helpers/cli.ts';
import { writeGrayPng, writeSquaresDataset } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { openRaster, readImage, readMask } from '../../../src/io/index.ts';

test('usage: help exits 0, bad usage exits 2 with one clear line', async () => {
  const help = await segwork(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Commands:[\s\S]*train[\s\S]*segment/);
  for (const command of ['doctor', 'train', 'eval', 'score', 'segment', 'import', 'export']) {
    const r = await segwork([command, '--help']);
    assert.equal(r.code, 0, command);
    assert.match(r.stdout, new RegExp(`Usage: segwork ${command}`));
  }
  const everyCommandTakesWorkspace = await segwork(['models', '--json', '--workspace', '/nonexistent/segwork-ws']);
  assert.equal(everyCommandTakesWorkspace.code, 0, everyCommandTakesWorkspace.stderr);
  const unknown = await segwork(['trian']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "trian"/);
  const badOption = await segwork(['train', '--imgs', 'x']);
  assert.equal(badOption.code, 2);
  assert.match(badOption.stderr, /--imgs/);
  const missing = await segwork(['segment', '--in', 'x']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--model is required/);
});

test('doctor --json names every backend and the chosen one', async () => {
  const r = await segwork(['doctor', '--json']);
  assert.equal(r.code, 0);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.backends.map((b: { name: string }) => b.name), ['tensorflow', 'webgpu', 'wasm', 'cpu']);
  assert.equal(report.chosen, 'wasm');
});

test('train → eval → segment → score, with JSON output and a workspace record', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 6, 32, [0, 255]);
  const model = path.join(dir, 'model');
  const ws = path.join(dir, 'ws');
  const train = await segwork(['train', '--images', data.images, '--labels', data.labels, '--label-values', '0,255', '--preset', 'tiny', '--size', '32', '--epochs', '2', '--steps', '3', '--batch', '2', '--out', model, '--json', '--workspace', ws]);
  assert.equal(train.code, 0, train.stderr);
  const events = jsonLines(train.stdout);
  assert.equal(events[0].type, 'start');
  assert.equal(events.filter((e) => e.type === 'step').length, 6);
  assert.equal(events.filter((e) => e.type === 'epoch').length, 2);
  assert.equal(events.at(-1).type, 'end');
  for (const f of ['model.json', 'weights.bin', 'segwork.json', 'checkpoint/state.json']) assert.ok(existsSync(path.join(model, f)), f);
  const meta = JSON.parse(readFileSync(path.join(model, 'segwork.json'), 'utf8'));
  assert.deepEqual(meta.labelValues, [0, 255]);

  const evaluation = await segwork(['eval', '--model', model, '--images', data.images, '--labels', data.labels, '--json', '--workspace', ws]);
  assert.equal(evaluation.code, 0, evaluation.stderr);
  const report = JSON.parse(evaluation.stdout);
  assert.deepEqual(Object.keys(report).sort(), ['confusion', 'frequencyWeightedIoU', 'meanIoU', 'perClass', 'pixelAccuracy']);
  assert.deepEqual(Object.keys(report.perClass[0]).sort(), ['dice', 'index', 'iou', 'name', 'precision', 'recall', 'support']);
  assert.equal(report.confusion.flat().reduce((a: number, b: number) => a + b, 0), 6 * 32 * 32);

  const refined = await segwork(['eval', '--model', model, '--images', data.images, '--labels', data.labels, '--json', '--tta', 'flips', '--crf', '--min-island', '4', '--workspace', ws]);
  assert.equal(refined.code, 0, refined.stderr);
  assert.equal(JSON.parse(refined.stdout).confusion.flat().reduce((a: number, b: number) => a + b, 0), 6 * 32 * 32);
  const badTta = await segwork(['eval', '--model', model, '--images', data.images, '--labels', data.labels, '--tta', 'sideways']);
  assert.equal(badTta.code, 2);
  assert.match(badTta.stderr, /unknown test-time transform "sideways"/);

  // A folder with two images, a corrupt PNG, a text file named .png and a nested image.
  const input = path.join(dir, 'in');
  mkdirSync(path.join(input, 'sub'), { recursive: true });
  writeGrayPng(path.join(input, 'a.png'), 40, 24, new Uint8Array(40 * 24).fill(90));
  writeGrayPng(path.join(input, 'sub', 'b.png'), 33, 33, new Uint8Array(33 * 33).fill(200));
  const good = readFileSync(path.join(input, 'a.png'));
  writeFileSync(path.join(input, 'broken.png'), good.subarray(0, good.length - 30));
  writeFileSync(path.join(input, 'notes.png'), 'these are notes');
  const out = path.join(dir, 'out');
  const seg = await segwork(['segment', '--model', model, '--in', input, '--out', out, '--recursive', '--json', '--min-island', '3']);
  assert.equal(seg.code, 2, 'a failed file makes the exit code 2');
  const summary = jsonLines(seg.stdout).at(-1);
  assert.equal(summary.done, 2);
  assert.equal(summary.failed, 2);
  assert.deepEqual(summary.failures.map((f: { path: string }) => path.basename(f.path)).sort(), ['broken.png', 'notes.png']);
  const mask = await readMask(path.join(out, 'sub', 'b.png'), { numClasses: 2 });
  assert.deepEqual([mask.width, mask.height], [33, 33]);
  const outputs = path.join(dir, 'outputs');
  const withMaps = await segwork(['segment', '--model', model, '--in', path.join(input, 'sub'), '--out', outputs, '--probabilities', '--uncertainty', '--workers', '1']);
  assert.equal(withMaps.code, 0, withMaps.stderr);
  const probabilities = await openRaster(path.join(outputs, 'b.probabilities.tif'));
  assert.deepEqual([probabilities.width, probabilities.bands], [33, 2]);
  await probabilities.close();
  const entropy = await readImage(path.join(outputs, 'b.uncertainty.png'));
  assert.deepEqual([entropy.width, entropy.height, entropy.bands], [33, 33, 1]);

  const again = await segwork(['segment', '--model', model, '--in', input, '--out', out, '--recursive', '--json']);
  assert.equal(jsonLines(again.stdout).at(-1).skipped, 2, 'a re-run skips finished files');
  const before = statSync(path.join(out, 'a.png')).mtimeMs;
  await segwork(['segment', '--model', model, '--in', input, '--out', out, '--recursive', '--overwrite']);
  assert.ok(statSync(path.join(out, 'a.png')).mtimeMs > before, '--overwrite redoes them');

  const score = await segwork(['score', '--pred', data.labels, '--truth', data.labels, '--classes', '2', '--label-values', '0,255', '--json']);
  assert.equal(score.code, 0, score.stderr);
  assert.equal(JSON.parse(score.stdout).meanIoU, 1);
});

test('score against hand-computed numbers, with an ignore value', async (t) => {
  const dir = tempDir(t);
  // truth: [0, 0, 1, 9(ignored)], prediction: [0, 1, 1, 0]
  writeGrayPng(path.join(dir, 'truth', 'x.png'), 4, 1, Uint8Array.from([0, 0, 1, 9]));
  writeGrayPng(path.join(dir, 'pred', 'x.png'), 4, 1, Uint8Array.from([0, 1, 1, 0]));
  const r = await segwork(['score', '--pred', path.join(dir, 'pred'), '--truth', path.join(dir, 'truth'), '--classes', '2', '--ignore-value', '9', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(report.confusion, [[1, 1], [0, 1]]);
  assert.equal(report.perClass[0].iou, 0.5);
  assert.equal(report.perClass[1].iou, 0.5);
  assert.ok(Math.abs(report.pixelAccuracy - 2 / 3) < 1e-12);
});

test('bad input: one line naming the file and the problem, non-zero exit, nothing half-written', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 2, 16, [0, 1]);
  const trainArgs = (images: string, labels: string, extra: string[] = []) => ['train', '--images', images, '--labels', labels, '--out', path.join(dir, 'model'), '--preset', 'tiny', '--size', '16', '--epochs', '1', '--steps', '1', '--workspace', path.join(dir, 'ws'), ...extra];

  mkdirSync(path.join(dir, 'empty'));
  const empty = await segwork(trainArgs(path.join(dir, 'empty'), data.labels));
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /empty: no images found/);

  writeGrayPng(path.join(dir, 'odd', 'img0.png'), 8, 8, new Uint8Array(64));
  const mismatch = await segwork(trainArgs(path.join(dir, 'odd'), data.labels));
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /img0.png: label is 16×16 but its image img0.png is 8×8/);

  writeGrayPng(path.join(dir, 'badlabels', 'img0.png'), 16, 16, new Uint8Array(256).fill(7));
  const outOfRange = await segwork(trainArgs(data.images, path.join(dir, 'badlabels'), ['--label-values', '0,1']));
  assert.equal(outOfRange.code, 1);
  assert.match(outOfRange.stderr, /badlabels\/img0.png.*7/);

  const classes = path.join(dir, 'classes.json');
  writeFileSync(classes, JSON.stringify([{ name: 'a' }, { name: 'b' }, { name: 'c' }]));
  const classMismatch = await segwork(trainArgs(data.images, data.labels, ['--label-values', '0,1', '--classes', classes]));
  assert.notEqual(classMismatch.code, 0);
  assert.match(classMismatch.stderr, /--label-values lists 2 values but .*classes.json has 3 classes/);

  const noModel = await segwork(['segment', '--model', path.join(dir, 'nope'), '--in', data.images, '--out', path.join(dir, 'o')]);
  assert.equal(noModel.code, 1);
  assert.match(noModel.stderr, /nope: model directory does not exist/);

  const ok = await segwork(trainArgs(data.images, data.labels));
  assert.equal(ok.code, 0, ok.stderr);
  rmSync(path.join(dir, 'model', 'weights.bin'));
  const corrupt = await segwork(['segment', '--model', path.join(dir, 'model'), '--in', data.images, '--out', path.join(dir, 'o')]);
  assert.equal(corrupt.code, 1);
  assert.match(corrupt.stderr, /weights.bin: missing/);

  if (process.getuid?.() !== 0) {
    const locked = path.join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    const unwritable = await segwork(['segment', '--model', path.join(dir, 'model'), '--in', data.images, '--out', path.join(locked, 'x')]);
    assert.equal(unwritable.code, 1);
    assert.match(unwritable.stderr, /not writable/);
  }
  const fileAsOut = path.join(dir, 'a-file');
  writeFileSync(fileAsOut, '');
  await segwork(trainArgs(data.images, data.labels, ['--out', path.join(dir, 'model2')]));
  const unwritable = await segwork(['segment', '--model', path.join(dir, 'model2'), '--in', data.images, '--out', path.join(fileAsOut, 'masks')]);
  assert.equal(unwritable.code, 1);
  assert.match(unwritable.stderr, /a-file\/masks: output folder is not writable/);
});

test('import with labels, then export, gives back the same masks, named apart from the images and usable as labels', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 3, 16, [0, 1]);
  const ws = path.join(dir, 'ws');
  const imported = await segwork(['import', data.images, '--labels', data.labels, '--project', 'squares', '--json', '--workspace', ws]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.deepEqual(JSON.parse(imported.stdout).added, 3);
  assert.deepEqual(JSON.parse(imported.stdout).labeled, 3);
  const out = path.join(dir, 'export');
  const exported = await segwork(['export', '--project', 'squares', '--out', out, '--workspace', ws, '--json']);
  assert.equal(exported.code, 0, exported.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['img0.labels.png', 'img1.labels.png', 'img2.labels.png'], 'an export never takes its image\'s name');
  for (const name of ['img0', 'img1', 'img2']) {
    const a = await readMask(path.join(out, `${name}.labels.png`), { numClasses: 2 });
    const b = await readMask(path.join(data.labels, `${name}.png`), { numClasses: 2 });
    assert.deepEqual(a.data, b.data);
  }
  // The export folder is a labels folder: score pairs it with the original masks, import with the images.
  const scored = await segwork(['score', '--pred', data.labels, '--truth', out, '--classes', '2', '--json']);
  assert.equal(scored.code, 0, scored.stderr);
  assert.equal(JSON.parse(scored.stdout).pixelAccuracy, 1);
  const reimported = await segwork(['import', data.images, '--labels', out, '--project', 'again', '--json', '--workspace', ws]);
  assert.equal(reimported.code, 0, reimported.stderr);
  assert.equal(JSON.parse(reimported.stdout).labeled, 3);
  const missing = await segwork(['export', '--project', 'nope', '--out', out, '--workspace', ws]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no project "nope"/);
});
