// The workbench's pre-training panel asks for an objective and stacked training: the job runs them and the
// encoder it records says what it learnt from.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { JobEvent } from '../../../src/api/service.ts';
import { createWorkbench } from '../../../src/use-cases/workbench.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('pre-training from the workbench with the variational objective, stacked, records a variational stacked encoder (as many stages as the 3 s budget reached)', async (t) => {
  const dir = tempDir(t);
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws'), seedSample: true });
  t.after(() => wb.close());
  const [project] = await wb.listProjects();
  const { job } = await wb.startPretraining(project!.id, { architecture: 'unet', preset: 'tiny', timeBudgetSeconds: 3, objective: 'variational', stacked: true });
  const end = await new Promise<JobEvent>((resolve) => {
    const stop = wb.onJobEvent((e) => {
      if (e.job === job && e.kind === 'end') (stop(), resolve(e));
    });
  });
  assert.ok(end.kind === 'end' && end.status === 'done', JSON.stringify(end));
  const [encoder] = await wb.listEncoders(project!.id);
  const record = JSON.parse(readFileSync(path.join(encoder!.directory, 'segwork.json'), 'utf8'));
  assert.match(record.training.endReason, /^encoder pre-training \(variational, β=0\.1, stacked in [1-3] stage\(s\)\)/);
});
