import * as path from 'node:path';
import { ConfusionMatrix } from '../metrics/confusion.ts';
import { intOption, parse, required } from './args.ts';
import { labelColorUsage, labelOptionSpec, parseLabelOptions, resolveLabelMapping } from './label-options.ts';
import { EXIT_OK, UsageError, type Command } from './command.ts';
import { printMetrics } from './metrics-output.ts';
import { InputError } from '../io/raster.ts';

export const scoreCommand: Command = {
  usage: `Usage: segwork score --pred DIR --truth DIR --classes N [options]

Masks pair by file name without extension (and without .labels, so a segwork export folder is a --truth). Both folders
hold masks whose values are class indices (or raw values mapped with --label-values, or colours with --label-colors,
applied to both). 255 in the truth is unlabeled and left out.

Options:
  --classes N            number of classes
  --label-values V0,V1…  raw mask values of classes 0,1,… in both folders
  --ignore-value V       raw truth value meaning unlabeled
${labelColorUsage()}
  --json                 one JSON object {pixelAccuracy, meanIoU, frequencyWeightedIoU, perClass, confusion}`,
  async run(argv, io) {
    const { values } = parse(argv, {
      pred: { type: 'string' },
      truth: { type: 'string' },
      classes: { type: 'string' },
      ...labelOptionSpec,
      json: { type: 'boolean' },
      workspace: { type: 'string' },
    });
    const predDir = required(values, 'pred');
    const truthDir = required(values, 'truth');
    const numClasses = intOption(values, 'classes', 0, 2);
    if (values.classes === undefined) required(values, 'classes');
    const mapping = resolveLabelMapping(parseLabelOptions(values), { missing: 'score has no class colours: list them, #RRGGBB,…' });
    if (mapping.colors && mapping.colors.labelColors.length !== numClasses) {
      throw new UsageError(`--label-colors lists ${mapping.colors.labelColors.length} colours but --classes is ${numClasses}`);
    }
    // The readers load only when it runs, so --help answers at once (tests/unit/cli/startup.test.ts).
    const [{ labelStemOf, readMask }, { pairImagesWithLabels }] = await Promise.all([import('../io/index.ts'), import('../training/dataset.ts')]);
    const { pairs } = await pairImagesWithLabels(predDir, truthDir, labelStemOf);
    const confusion = new ConfusionMatrix(numClasses);
    for (const pair of pairs) {
      // Unlabeled (--ignore-value) is the truth's; a prediction has a class everywhere.
      const pred = await readMask(pair.imagePath, { labelValues: mapping.labelValues, colors: mapping.colors && { ...mapping.colors, ignoreColors: [] }, numClasses });
      const truth = await readMask(pair.maskPath, { ...mapping, numClasses });
      if (pred.width !== truth.width || pred.height !== truth.height) {
        throw new InputError(pair.imagePath, `is ${pred.width}×${pred.height} but ${path.basename(pair.maskPath)} is ${truth.width}×${truth.height}`);
      }
      confusion.add(truth.data, pred.data);
    }
    printMetrics(confusion.report(), io, Boolean(values.json));
    return EXIT_OK;
  },
};
