import * as path from 'node:path';
import { DEFAULT_TILE_OPTIONS } from '../inference/tiler.ts';
import { resolveWorkspaceDir } from '../store/location.ts';
import { parse, required } from './args.ts';
import { labelColorUsage, labelOptionSpec, parseLabelOptions, resolveLabelMapping, type LabelOptions } from './label-options.ts';
import { parseHexColor } from '../labels/mask-colors.ts';
import type { MaskOptions } from '../io/index.ts';
import type { ModelMeta } from '../models/model-dir.ts';
import { EXIT_OK, type Command } from './command.ts';
import { printMetrics } from './metrics-output.ts';
import { forwardBackendUsage } from './backend-option.ts';
import { parseRefineOptions, refineOptionSpec, refineUsage } from './refine-options.ts';
import { ProgressBar } from './progress.ts';

export const evalCommand: Command = {
  usage: `Usage: segwork eval --model MODEL_DIR|MODEL.onnx --images DIR --labels DIR [options]

Predicts every image (tiled, any size) and compares with its label mask. Unlabeled pixels (255, or
--ignore-value) are left out. Label mapping defaults to the one the model was trained with.

Options:
  --label-values V0,V1…  raw mask values of classes 0,1,…
  --ignore-value V       raw mask value meaning unlabeled
${labelColorUsage("the model's class colours")}
${refineUsage}
${forwardBackendUsage}
  --json                 one JSON object {pixelAccuracy, meanIoU, frequencyWeightedIoU, perClass, confusion}
  --workspace DIR        where the evaluation is recorded`,
  interrupt: 'Stopping (Ctrl-C again to quit at once)…',
  async run(argv, io) {
    // Loaded when it runs, not with the module: its --help then starts without tfjs, the readers or SQLite
    // (tests/unit/cli/startup.test.ts).
    const [{ openInferenceModel }, { getArchitecture }, { evaluateImages }, { loadLabeledImages, pairImagesWithLabels }, { openWorkspace }] = await Promise.all([
      import('../inference/inference-model.ts'),
      import('../models/index.ts'),
      import('../inference/evaluate.ts'),
      import('../training/dataset.ts'),
      import('../store/workspace.ts'),
    ]);
    const { values } = parse(argv, {
      model: { type: 'string' },
      images: { type: 'string' },
      labels: { type: 'string' },
      ...labelOptionSpec,
      ...refineOptionSpec,
      backend: { type: 'string' },
      json: { type: 'boolean' },
      workspace: { type: 'string' },
    });
    const refine = parseRefineOptions(values);
    const modelDir = path.resolve(required(values, 'model'));
    const imagesDir = required(values, 'images');
    const labelsDir = required(values, 'labels');
    const bar = new ProgressBar(io.stderr);
    const model = await openInferenceModel(modelDir, { backend: values.backend, note: (line) => bar.log(line) });
    const { meta } = model;
    const mapping = labelMappingFor(parseLabelOptions(values), meta);
    const numClasses = meta.classes.length;
    const { pairs } = await pairImagesWithLabels(imagesDir, labelsDir);
    const items = await loadLabeledImages(pairs, { ...mapping, numClasses, sliceContext: meta.sliceContext });
    const started = Date.now();
    const sizeMultiple = getArchitecture(meta.architecture).sizeMultiple(meta.config);
    let done = 0;
    const evaluation = await evaluateImages(
      async (x) => {
        const out = await model.predict(x);
        bar.update(++done / Math.max(1, items.length), `${done} tile batch(es)`);
        return out;
      },
      items,
      meta.normalisation,
      numClasses,
      sizeMultiple,
      DEFAULT_TILE_OPTIONS,
      io.signal,
      refine,
    );
    bar.clear();
    const seconds = (Date.now() - started) / 1000;
    const report = evaluation.confusion.report(meta.classes.map((c) => c.name));
    const ws = openWorkspace(resolveWorkspaceDir(values.workspace));
    try {
      const known = ws.models.list().find((m) => path.resolve(m.directory) === modelDir);
      const modelId = known?.id ?? ws.models.add({ projectId: null, name: path.basename(modelDir), architecture: meta.architecture, config: meta.config, classes: meta.classes, directory: modelDir }).id;
      ws.evaluations.add(modelId, null, report, evaluation.perImage.map((p) => ({ path: p.name, meanIoU: p.meanIoU, pixelAccuracy: p.pixelAccuracy })));
    } finally {
      ws.close();
    }
    printMetrics(report, io, Boolean(values.json));
    if (!values.json) io.stderr.write(`${items.length} image(s) in ${seconds.toFixed(1)} s (${(items.length / seconds).toFixed(2)} img/s)\n`);
    await model.dispose();
    return EXIT_OK;
  },
};

/** The options' mapping; where they give none, the model's own: its mask colours, or its values (each unless given). */
function labelMappingFor(given: LabelOptions, meta: ModelMeta): MaskOptions {
  if (given.colors) return resolveLabelMapping(given, { list: meta.classes, from: `the model's ${meta.classes.length} classes` });
  if (meta.labelColors && !given.labelValues && given.ignoreValue === undefined) {
    const colors = (list: string[] = []) => list.map((c) => parseHexColor(c)!);
    return { colors: { labelColors: colors(meta.labelColors), ignoreColors: colors(meta.ignoreColors) } };
  }
  return { labelValues: given.labelValues ?? meta.labelValues, ignoreValue: given.ignoreValue ?? meta.ignoreValue };
}
