// How eval and score print a MetricsReport: a table for people, one JSON object with --json.
import type { MetricsReport } from '../api/types.ts';
import type { CliIO } from './command.ts';
import { toJson } from './progress.ts';

const fmt = (v: number | null) => (v === null ? '   –  ' : v.toFixed(4));

export function printMetrics(report: MetricsReport, io: CliIO, json: boolean): void {
  if (json) {
    io.stdout.write(toJson(report) + '\n');
    return;
  }
  const width = Math.max(5, ...report.perClass.map((c) => c.name.length));
  io.stdout.write(`${'class'.padEnd(width)}  IoU     Dice    Prec.   Recall  support\n`);
  for (const c of report.perClass) {
    io.stdout.write(`${c.name.padEnd(width)}  ${fmt(c.iou)}  ${fmt(c.dice)}  ${fmt(c.precision)}  ${fmt(c.recall)}  ${c.support}\n`);
  }
  io.stdout.write(`\npixel accuracy ${fmt(report.pixelAccuracy)}   mean IoU ${fmt(report.meanIoU)}   frequency-weighted IoU ${fmt(report.frequencyWeightedIoU)}\n`);
  io.stdout.write('(IoU of a class absent from both truth and prediction is undefined, shown –, and left out of the mean)\n');
}
