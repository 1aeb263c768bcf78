// U-Net's training recipe from the CLI: elastic deformation and the separation weight map train on both engines,
// an image without foreground says so, and options out of range are refused with the valid range.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { jsonLines, segwork } from '../../helpers/cli.ts';
import { writeGrayPng, writeSquaresDataset } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

for (const backend of ['onnxruntime', 'wasm']) {
  test(`train --elastic --weight-map runs on ${backend}, and an image without the foreground class says so`, async (t) => {
    const dir = tempDir(t);
    const data = writeSquaresDataset(path.join(dir, 'data'), 4, 32, [0, 255]);
    writeGrayPng(path.join(data.images, 'empty.png'), 32, 32, new Uint8Array(32 * 32).fill(50));
    writeGrayPng(path.join(data.labels, 'empty.png'), 32, 32, new Uint8Array(32 * 32));
    const model = path.join(dir, 'model');
    const args = ['train', '--images', data.images, '--labels', data.labels, '--label-values', '0,255', '--preset', 'tiny', '--size', '32', '--epochs', '1', '--steps', '3', '--batch', '2', '--val-split', '0'];
    const r = await segwork([...args, '--elastic', '10', '--weight-map', '1', '--w0', '10', '--weight-sigma', '5', '--backend', backend, '--out', model, '--json', '--workspace', path.join(dir, 'ws')]);
    assert.equal(r.code, 0, r.stderr);
    const events = jsonLines(r.stdout);
    assert.match(events[0].backend, backend === 'wasm' ? /wasm/ : /onnxruntime/);
    assert.ok(events.filter((e) => e.type === 'step').every((e) => Number.isFinite(e.loss) && e.loss > 0));
    assert.ok(existsSync(path.join(model, 'model.json')));
    assert.match(r.stderr, /empty: no pixel labeled "class 1", so its weight map is the class weights alone/);
  });
}

test('recipe options out of range are refused with the valid range', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 2, 32, [0, 255]);
  const base = ['train', '--images', data.images, '--labels', data.labels, '--label-values', '0,255', '--out', path.join(dir, 'm'), '--workspace', path.join(dir, 'ws')];
  const cases: Array<[string[], RegExp]> = [
    [['--weight-map', '1', '--weight-sigma=-5'], /--weight-sigma must be a number in \[0\.1, 100\], got "-5"/],
    [['--weight-map', '1', '--w0=-1'], /--w0 must be a number in \[0, 1000\], got "-1"/],
    [['--elastic=-3'], /--elastic must be a number in \[0, 100\], got "-3"/],
    [['--w0', '3'], /give --weight-map CLASS too/],
  ];
  for (const [extra, message] of cases) {
    const r = await segwork([...base, ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const wrongClass = await segwork([...base, '--weight-map', '2', '--epochs', '1', '--steps', '1']);
  assert.notEqual(wrongClass.code, 0);
  assert.match(wrongClass.stderr, /foreground class must be a class index in \[0, 1\], got 2/);
});
