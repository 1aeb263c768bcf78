// An error thrown inside a compute worker reaches the main thread as the same kind, so the server can tell a
// user's bad model folder (400) from a bug (500).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { InputError, UserError } from '../../../src/api/errors.ts';
import { ComputeWorker } from '../../../src/jobs/compute-worker.ts';
import { WEIGHTS } from '../../../src/models/model-dir.ts';
import { httpStatusOf } from '../../../src/server/error-status.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('a user error thrown in a worker arrives in the main thread with its kind and fields', async (t) => {
  // A folder with weights but no segwork.json: the model reader refuses it with an InputError naming the folder.
  const modelDir = path.join(tempDir(t), 'not-a-model');
  mkdirSync(modelDir);
  writeFileSync(path.join(modelDir, WEIGHTS), new Uint8Array(4));
  const worker = new ComputeWorker('cpu');
  t.after(() => worker.terminate());
  const error = await worker.call({ kind: 'predict', modelDir, imagePath: path.join(modelDir, 'x.png'), slice: 0 }).then(
    () => assert.fail('the predict should fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InputError, `got ${String(error)}`);
  assert.ok(error instanceof UserError);
  assert.equal(error.file, modelDir);
  assert.match(error.message, /not a Segwork model directory/);
  assert.equal(httpStatusOf(error), 400);
});

test('a model folder that is gone is an InputError from the worker, not a crash', async (t) => {
  const modelDir = path.join(tempDir(t), 'deleted-model');
  const worker = new ComputeWorker('cpu');
  t.after(() => worker.terminate());
  const error = await worker.call({ kind: 'cam-layers', modelDir }).then(
    () => assert.fail('cam-layers should fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof InputError, `got ${String(error)}`);
  assert.equal(error.message, `${modelDir}: model directory does not exist`);
});
