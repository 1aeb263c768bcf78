// U-Net learns on real pixels: the ISBI 2012 EM membrane set (../shared/data/isbi2012-membrane), trained on some
// images and scored on others it never saw, against what a constant prediction scores.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot, sharedData, tempDir } from '../helpers/tmp.ts';

const membrane = path.join(sharedData, 'isbi2012-membrane', 'train');

function linkSubset(from: string, to: string, names: number[]): void {
  mkdirSync(to, { recursive: true });
  for (const n of names) symlinkSync(path.join(from, `${n}.png`), path.join(to, `${n}.png`));
}

test('a small U-Net trained on 12 membrane images beats a constant prediction on 4 held-out ones', async (t) => {
  if (!existsSync(membrane)) {
    t.skip(`${membrane} is absent: real-data training test skipped`);
    return;
  }
  const dir = tempDir(t);
  const train = Array.from({ length: 12 }, (_, i) => i);
  const heldOut = [16, 17, 18, 19];
  linkSubset(path.join(membrane, 'image'), path.join(dir, 'train/images'), train);
  linkSubset(path.join(membrane, 'label'), path.join(dir, 'train/labels'), train);
  linkSubset(path.join(membrane, 'image'), path.join(dir, 'test/images'), heldOut);
  linkSubset(path.join(membrane, 'label'), path.join(dir, 'test/labels'), heldOut);
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'bin/segwork.js'), ...args, '--workspace', path.join(dir, 'ws')], { encoding: 'utf8' });

  const model = path.join(dir, 'model');
  const trained = cli(['train', '--images', path.join(dir, 'train/images'), '--labels', path.join(dir, 'train/labels'), '--label-values', '0,255', '--preset', 'small', '--size', '128', '--batch', '4', '--steps', '25', '--epochs', '3', '--time-budget', '150', '--seed', '3', '--out', model]);
  assert.equal(trained.status, 0, trained.stderr);
  const evaluated = cli(['eval', '--model', model, '--images', path.join(dir, 'test/images'), '--labels', path.join(dir, 'test/labels'), '--json']);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  const report = JSON.parse(evaluated.stdout);
  // A constant "cell" prediction scores IoU 0 on membrane and ≈0.78 on cell: mean IoU ≈ 0.39.
  const cellShare = report.perClass[1].support / (report.perClass[0].support + report.perClass[1].support);
  const constantMeanIoU = cellShare / 2;
  t.diagnostic(`held-out mIoU ${report.meanIoU.toFixed(4)} (membrane ${report.perClass[0].iou.toFixed(4)}, cell ${report.perClass[1].iou.toFixed(4)}); constant prediction ${constantMeanIoU.toFixed(4)}`);
  assert.ok(report.meanIoU > constantMeanIoU + 0.15, `mIoU ${report.meanIoU} is not well above the constant ${constantMeanIoU}`);
  assert.ok(report.perClass[0].iou > 0.3, 'membrane is found, not just the majority class');
});
