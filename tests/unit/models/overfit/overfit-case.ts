// The overfit check of the conformance suite, one file per architecture so each stays within the time limit:
// the small preset must fit one real 64×64 membrane patch to mean IoU ≥ 0.95 within a bounded number of steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildPreset, meanIoU, membraneDir, membranePatch, trainStep, useTestBackend } from '../model-helpers.ts';

const PATCH = 64;
const MAX_STEPS = 300;
const CHECK_EVERY = 10;
const TARGET_IOU = 0.95;

export function overfitCase(name: string, learningRate = 0.01, overrides: Record<string, unknown> = {}): void {
  const label = [name, ...Object.entries(overrides).map(([k, v]) => `${k}=${String(v)}`)].join(' ');
  test(`${label}: the small preset overfits a real ${PATCH}×${PATCH} membrane patch to mean IoU ≥ ${TARGET_IOU}`, async (t) => {
    await useTestBackend();
    const patch = membranePatch(PATCH);
    if (!patch) {
      t.skip(`ISBI 2012 membrane data not found under ${membraneDir}`);
      return;
    }
    const { model } = buildPreset(name, 'small', overrides);
    const optimizer = tf.train.adam(learningRate);
    let iou = 0;
    let steps = 0;
    while (steps < MAX_STEPS && iou < TARGET_IOU) {
      for (let i = 0; i < CHECK_EVERY; i++) trainStep(model, optimizer, patch.x, patch.oneHot);
      steps += CHECK_EVERY;
      iou = meanIoU(model, patch.x, patch.labels, 2); // inference mode: batch-norm moving statistics
    }
    t.diagnostic(`${label}: mean IoU ${iou.toFixed(4)} after ${steps} steps on ${tf.getBackend()}`);
    assert.ok(iou >= TARGET_IOU, `${label}: mean IoU ${iou.toFixed(4)} after ${steps} steps`);
    tf.dispose([patch.x, patch.oneHot]);
    optimizer.dispose();
    model.dispose();
  });
}
