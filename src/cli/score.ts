import * as path from 'node:path';
import { ConfusionMatrix } from '../metrics/confusion.ts';
import { intListOption, intOption, parse, required } from './args.ts';
import { EXIT_OK, type Command } from './command.ts';
import { printMetrics } from './metrics-output.ts';
import { InputError } from '../io/raster.ts';

export const scoreCommand: Command = {
  usage: `Usage: segwork score --pred DIR --truth DIR --classes N [options]

Masks pair by file name without extension. Both folders hold masks whose values are class indices
(or raw values mapped with --label-values, applied to both). 255 in the truth is unlabeled and left out.

Options:
  --classes N            number of classes
  --label-values V0,V1…  raw mask values of classes 0,1,… in both folders
  --ignore-value V       raw truth value meaning unlabeled
  --json                 one JSON object {pixelAccuracy, meanIoU, frequencyWeightedIoU, perClass, confusion}`,
  async run(argv, io) {
    const { values } = parse(argv, {
      pred: { type: 'string' },
      truth: { type: 'string' },
      classes: { type: 'string' },
      'label-values': { type: 'string' },
      'ignore-value': { type: 'string' },
      json: { type: 'boolean' },
      workspace: { type: 'string' },
    });
    const predDir = required(values, 'pred');
    const truthDir = required(values, 'truth');
    const numClasses = intOption(values, 'classes', 0, 2);
    if (values.classes === undefined) required(values, 'classes');
    const labelValues = intListOption(values, 'label-values');
    const ignoreValue = values['ignore-value'] !== undefined ? intOption(values, 'ignore-value', 0) : undefined;
    // The readers load only when it runs, so --help answers at once (tests/unit/cli/startup.test.ts).
    const [{ readMask }, { pairImagesWithLabels }] = await Promise.all([import('../io/index.ts'), import('../training/dataset.ts')]);
    const { pairs } = await pairImagesWithLabels(predDir, truthDir);
    const confusion = new ConfusionMatrix(numClasses);
    for (const pair of pairs) {
      const pred = await readMask(pair.imagePath, { labelValues, numClasses });
      const truth = await readMask(pair.maskPath, { labelValues, ignoreValue, numClasses });
      if (pred.width !== truth.width || pred.height !== truth.height) {
        throw new InputError(pair.imagePath, `is ${pred.width}×${pred.height} but ${path.basename(pair.maskPath)} is ${truth.width}×${truth.height}`);
      }
      confusion.add(truth.data, pred.data);
    }
    printMetrics(confusion.report(), io, Boolean(values.json));
    return EXIT_OK;
  },
};
