// `segwork anomaly`: options out of range are usage errors naming the valid range (before any image is read or
// TensorFlow.js loads); a real train → map run writes one 8-bit map per image, one JSON line per image, and goes on
// past a file it cannot read (exit code 2).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { jsonLines, segwork, segworkWithoutTfjs } from '../../helpers/cli.ts';
import { readRaster, writeGrayPng } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('anomaly: a missing action, bad options and out-of-range values are usage errors with the valid range', async () => {
  const train = ['anomaly', 'train', '--images', '/nonexistent/normal', '--out', '/nonexistent/ae'];
  const map = ['anomaly', 'map', '--model', '/nonexistent/ae', '--in', '/nonexistent/in', '--out', '/nonexistent/out'];
  const cases: [string[], RegExp][] = [
    [['anomaly'], /anomaly takes one action, train or map; got none/],
    [['anomaly', 'score'], /anomaly takes one action, train or map; got score/],
    [[...train, '--beta=-1'], /--beta must be a number in \[0, 1000\], got "-1"/],
    [[...train, '--plain', '--beta', '0.5'], /--beta applies to the variational autoencoder, not --plain/],
    [[...train, '--sigma', '65'], /--sigma must be a number in \[0, 64\], got "65"/],
    [[...train, '--size', '40'], /--size must be a multiple of 16, got "40"/],
    [[...map, '--sigma=-2'], /--sigma must be a number in \[0, 64\], got "-2"/],
    [[...map, '--statistic', 'median'], /--statistic must be one of error, deviation, got "median"/],
    [['anomaly', 'map', '--in', 'x', '--out', 'y'], /--model is required/],
  ];
  for (const [args, message] of cases) {
    const r = await segworkWithoutTfjs(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('anomaly train then map: a map per image on one scale, a JSON line each, a broken file reported and skipped', async (t) => {
  const dir = tempDir(t);
  const [normal, inDir, model, out] = ['normal', 'in', 'ae', 'maps'].map((d) => path.join(dir, d));
  // Normal: smooth horizontal ramps. To map: a ramp, and a ramp with a checkerboard block it has never seen.
  const ramp = (block: boolean) => Uint8Array.from({ length: 64 * 64 }, (_, i) => (block && i % 64 >= 20 && i % 64 < 44 && i >= 20 * 64 && i < 44 * 64 ? (((i % 64) + Math.floor(i / 64)) % 2) * 255 : 60 + (i % 64) * 2));
  for (let k = 0; k < 3; k++) writeGrayPng(path.join(normal, `${k}.png`), 64, 64, ramp(false));
  writeGrayPng(path.join(inDir, 'ramp.png'), 64, 64, ramp(false));
  writeGrayPng(path.join(inDir, 'block.png'), 64, 64, ramp(true));
  writeFileSync(path.join(inDir, 'broken.png'), 'not a PNG');

  const trained = await segwork(['anomaly', 'train', '--images', normal, '--out', model, '--steps', '30', '--size', '32', '--batch', '4', '--plain', '--json']);
  assert.equal(trained.code, 0, trained.stderr);
  const end = jsonLines(trained.stdout).at(-1);
  assert.equal(end.type, 'end');
  assert.equal(end.steps, 30);
  assert.ok(end.normalScale > 0, `normal scale ${end.normalScale}`);

  const mapped = await segwork(['anomaly', 'map', '--model', model, '--in', inDir, '--out', out, '--json']);
  assert.equal(mapped.code, 2, mapped.stderr);
  const lines = jsonLines(mapped.stdout);
  const byName = new Map(lines.filter((l) => l.path).map((l) => [path.basename(l.path), l]));
  assert.match(byName.get('broken.png').error, /not a supported image/);
  const [block, plain] = [byName.get('block.png'), byName.get('ramp.png')];
  assert.equal(block.map, path.join(out, 'block.anomaly.png'));
  assert.ok(block.score > plain.score, `the checkerboard block scores ${block.score}, the plain ramp ${plain.score}`);
  const { raster } = await readRaster(block.map);
  assert.deepEqual([raster.width, raster.height, raster.bands], [64, 64, 1]);
  assert.equal(block.statistic, 'deviation', 'a new model maps the deviation by default');
  assert.deepEqual(lines.at(-1), { type: 'end', written: 2, failed: [{ path: path.join(inDir, 'broken.png'), reason: byName.get('broken.png').error }], total: 3, out, interrupted: false });

  // The error statistic on the same model: the block's error is higher too.
  const error = await segwork(['anomaly', 'map', '--model', model, '--in', inDir, '--out', path.join(dir, 'error'), '--statistic', 'error', '--json']);
  assert.equal(error.code, 2, error.stderr);
  const byNameError = new Map(jsonLines(error.stdout).filter((l) => l.score !== undefined).map((l) => [path.basename(l.path), l]));
  const [blockError, rampError] = [byNameError.get('block.png'), byNameError.get('ramp.png')];
  assert.equal(blockError.statistic, 'error');
  assert.ok(blockError.score > rampError.score, `error: the block scores ${blockError.score}, the ramp ${rampError.score}`);
});
