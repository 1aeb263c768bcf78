// Every long job (training, pre-training, batch segmentation) ends the same way: one 'end' event with done,
// cancelled or failed; a cancelled job keeps what it finished, and a failed one says why first.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CancelledError } from '../../../src/api/errors.ts';
import type { JobEvent, JobStatus } from '../../../src/api/service.ts';
import { settleJob } from '../../../src/jobs/job-end.ts';
import { SAMPLE_DIR } from '../../../src/use-cases/sample.ts';
import { createWorkbench, type Workbench } from '../../../src/use-cases/workbench.ts';
import { tempDir } from '../../helpers/tmp.ts';

test('a job ends done, cancelled (with its partial result, or none when it stopped inside work with none) or failed', async () => {
  const never = () => false;
  const asked = () => true;
  assert.deepEqual(await settleJob(Promise.resolve(3), never), { status: 'done', result: 3 });
  assert.deepEqual(await settleJob(Promise.resolve(2), asked), { status: 'cancelled', result: 2 });
  assert.deepEqual(await settleJob(Promise.reject(new CancelledError('segmentation')), asked), { status: 'cancelled', result: null });
  const bug = await settleJob(Promise.reject(new Error('disk on fire')), asked);
  assert.equal(bug.status, 'failed', 'an error other than the cancellation is a failure even after a cancel');
  const unasked = await settleJob(Promise.reject(new CancelledError()), never);
  assert.equal(unasked.status, 'failed', 'a cancellation nobody asked for is a failure');
});

/** The job's events up to its 'end', cancelling it at the first event `cancelWhen` picks. */
function follow(wb: Workbench, job: number, cancelWhen?: (e: JobEvent) => boolean): Promise<{ status: JobStatus; events: JobEvent[] }> {
  const events: JobEvent[] = [];
  return new Promise((resolve) => {
    const stop = wb.onJobEvent((e) => {
      if (e.job !== job) return;
      events.push(e);
      if (cancelWhen?.(e)) void wb.cancelJob(job);
      if (e.kind === 'end') {
        stop();
        resolve({ status: e.status, events });
      }
    });
  });
}

test('training, pre-training and batch jobs: done, cancelled with partial results, failed', async (t) => {
  const dir = tempDir(t);
  const wb = await createWorkbench({ workspaceDir: path.join(dir, 'ws'), seedSample: true });
  t.after(() => wb.close());
  const [project] = await wb.listProjects();
  const projectId = project!.id;

  const trained = await wb.startTraining(projectId, { epochs: 1, stepsPerEpoch: 2 });
  assert.equal((await follow(wb, trained.job)).status, 'done');
  assert.equal((await wb.listRuns(projectId))[0]!.status, 'completed');

  const stopped = await wb.startTraining(projectId, { epochs: 50, stepsPerEpoch: 3 });
  const training = await follow(wb, stopped.job, (e) => e.kind === 'train' && e.event.type === 'step');
  assert.equal(training.status, 'cancelled');
  const trainEnd = training.events.find((e) => e.kind === 'train' && e.event.type === 'end');
  assert.ok(trainEnd?.kind === 'train' && trainEnd.event.type === 'end' && trainEnd.event.reason === 'cancelled', 'the run says it was cancelled');
  assert.equal((await wb.listRuns(projectId)).find((r) => r.status !== 'completed')?.status, 'cancelled', 'and is recorded so');

  const pretrain = await wb.startPretraining(projectId, { architecture: 'unet', preset: 'tiny', timeBudgetSeconds: 120 });
  const pretraining = await follow(wb, pretrain.job, (e) => e.kind === 'pretrain' && e.event.type === 'step');
  assert.equal(pretraining.status, 'cancelled');
  const pretrainEnd = pretraining.events.find((e) => e.kind === 'pretrain' && e.event.type === 'end');
  assert.ok(pretrainEnd?.kind === 'pretrain' && pretrainEnd.event.type === 'end' && pretrainEnd.event.endReason === 'cancelled' && pretrainEnd.event.steps >= 1, 'the encoder so far is kept');

  // Enough files that the batch is still running when the cancel arrives after the first one.
  const input = path.join(dir, 'many');
  mkdirSync(input);
  for (let i = 0; i < 40; i++) symlinkSync(path.join(SAMPLE_DIR, 'images', 'em-0.png'), path.join(input, `em-${i}.png`));
  const [model] = await wb.listModels(projectId);
  const batch = await wb.segmentFolder(model!.id, input, path.join(dir, 'masks'));
  const segmenting = await follow(wb, batch.job, (e) => e.kind === 'batch' && e.event.type === 'file');
  assert.equal(segmenting.status, 'cancelled');
  const summary = await wb.lastBatchSummary(batch.job);
  assert.ok(summary && summary.done >= 1 && summary.done < 40, `a partial summary (${summary?.done} of 40 done)`);

  const missing = await wb.segmentFolder(model!.id, path.join(dir, 'nowhere'), path.join(dir, 'masks2'));
  const failing = await follow(wb, missing.job);
  assert.equal(failing.status, 'failed');
  const error = failing.events.find((e) => e.kind === 'error');
  assert.match(error?.kind === 'error' ? error.message : '', /nowhere: no such folder/);
  assert.equal(await wb.lastBatchSummary(missing.job), null);
});
