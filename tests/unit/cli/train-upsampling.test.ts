// `segwork train --upsampling`: the transpose U-Net trains on ONNX Runtime, its choice is kept in the model's config
// so `segment` rebuilds it, and the option is refused for an architecture without it and for an unknown mode.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { jsonLines, segwork } from '../../helpers/cli.ts';
import { writeSquaresDataset } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('train --upsampling transpose trains on onnxruntime, is kept in segwork.json, and segment uses it', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 3, 32, [0, 255]);
  const model = path.join(dir, 'model');
  const args = ['--images', data.images, '--labels', data.labels, '--label-values', '0,255', '--preset', 'tiny', '--size', '32', '--epochs', '1', '--steps', '2', '--batch', '2', '--val-split', '0'];
  const r = await segwork(['train', ...args, '--upsampling', 'transpose', '--backend', 'onnxruntime', '--out', model, '--json', '--workspace', path.join(dir, 'ws')]);
  assert.equal(r.code, 0, r.stderr);
  const events = jsonLines(r.stdout);
  assert.match(events[0].backend, /onnxruntime/);
  assert.ok(events.filter((e) => e.type === 'step').every((e) => Number.isFinite(e.loss)));
  assert.equal(JSON.parse(readFileSync(path.join(model, 'segwork.json'), 'utf8')).config.upsampling, 'transpose');
  const topology = JSON.parse(readFileSync(path.join(model, 'model.json'), 'utf8')).modelTopology;
  assert.match(JSON.stringify(topology), /"class_name":"Conv2DTranspose"/);
  const out = path.join(dir, 'out');
  const segment = await segwork(['segment', '--model', model, '--in', data.images, '--out', out]);
  assert.equal(segment.code, 0, segment.stderr);
});

test('--upsampling is refused for an architecture without it, and an unknown mode names the valid ones', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 2, 32, [0, 255]);
  const base = ['train', '--images', data.images, '--labels', data.labels, '--label-values', '0,255', '--out', path.join(dir, 'm'), '--workspace', path.join(dir, 'ws')];
  const cases: Array<[string[], RegExp]> = [
    [['--model', 'fcn-8s', '--upsampling', 'transpose'], /--upsampling applies to unet; fcn-8s has no choice of up-sampling/],
    [['--upsampling', 'cubic'], /--upsampling must be one of nearest, bilinear, transpose, got "cubic"/],
  ];
  for (const [extra, message] of cases) {
    const r = await segwork([...base, ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
