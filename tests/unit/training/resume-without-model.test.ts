// A checkpoint whose best model was never written (a kill between the two saves, by an older version that saved
// the checkpoint first): `train --resume` writes the model anyway, so the directory loads when it ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { loadModelDir } from '../../../src/models/model-dir.ts';
import { segwork } from '../../helpers/cli.ts';
import { writeSquaresDataset } from '../../helpers/images.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('--resume from a checkpoint without a saved model leaves a model directory that loads', async (t) => {
  const dir = tempDir(t);
  const data = writeSquaresDataset(path.join(dir, 'data'), 4, 32);
  const out = path.join(dir, 'model');
  const args = (epochs: number) => ['train', '--images', data.images, '--labels', data.labels, '--out', out, '--model', 'unet', '--preset', 'tiny', '--size', '32', '--batch', '2', '--steps', '2', '--epochs', String(epochs), '--json'];
  const first = await segwork(args(1));
  assert.equal(first.code, 0, first.stderr);
  for (const file of ['segwork.json', 'model.json', 'weights.bin', 'model.onnx']) rmSync(path.join(out, file), { force: true });

  const resumed = await segwork([...args(2), '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const loaded = await loadModelDir(out);
  assert.equal(loaded.meta.training?.epochs, 2);
  loaded.model.dispose();
});
