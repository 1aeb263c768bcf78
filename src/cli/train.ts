import * as path from 'node:path';
import { defaultClasses } from '../labels/palette.ts';
import type { TrainEvent, TrainOptions } from '../api/types.ts';
import { resolveWorkspaceDir } from '../store/location.ts';
import { DEFAULT_TRAIN_OPTIONS } from '../training/defaults.ts';
import { ELASTIC_SIGMA_RANGE } from '../training/elastic.ts';
import { WEIGHT_MAP_DEFAULTS, WEIGHT_MAP_RANGES } from '../training/weight-map.ts';
import { splitTrainVal } from '../training/split.ts';
import { settleJob } from '../jobs/job-end.ts';
import { TrainingRunRecord } from '../use-cases/training-runs.ts';
import { intOption, numberOption, parse, required } from './args.ts';
import { classesOfColors, labelColorUsage, labelOptionSpec, parseLabelOptions, resolveLabelMapping } from './label-options.ts';
import { readClassesFile } from '../io/classes-file.ts';
import { EXIT_OK, UsageError, type Command } from './command.ts';
import { ProgressBar, formatSeconds, toJson } from './progress.ts';

const d = DEFAULT_TRAIN_OPTIONS;

/** --weight-map CLASS [--w0 W] [--weight-sigma PX]; --w0 or --weight-sigma alone is a mistake. */
function weightMapOption(values: Record<string, unknown>): Pick<TrainOptions, 'weightMap'> {
  const w0 = numberOption(values, 'w0', WEIGHT_MAP_DEFAULTS.w0, ...WEIGHT_MAP_RANGES.w0)!;
  const sigma = numberOption(values, 'weight-sigma', WEIGHT_MAP_DEFAULTS.sigma, ...WEIGHT_MAP_RANGES.sigma)!;
  if (values['weight-map'] === undefined) {
    if (values.w0 !== undefined || values['weight-sigma'] !== undefined) throw new UsageError('--w0 and --weight-sigma shape the weight map: give --weight-map CLASS too');
    return {};
  }
  return { weightMap: { foregroundClass: intOption(values, 'weight-map', 0, 0), w0, sigma } };
}

/** --upsampling MODE, refused for an architecture whose config has no such choice (all but U-Net). */
function upsamplingOption(value: string | undefined, architecture: string, offeredBy: (name: string) => readonly string[] | undefined, names: string[]): Pick<TrainOptions, 'modelConfig'> {
  if (value === undefined) return {};
  const modes = offeredBy(architecture);
  if (!modes) throw new UsageError(`--upsampling applies to ${names.filter((n) => offeredBy(n)).join(', ')}; ${architecture} has no choice of up-sampling`);
  if (!modes.includes(value)) throw new UsageError(`--upsampling must be one of ${modes.join(', ')}, got "${value}"`);
  return { modelConfig: { upsampling: value } };
}

export const trainCommand: Command = {
  usage: `Usage: segwork train --images DIR --labels DIR --out MODEL_DIR [options]

Images and labels pair by file name without extension. A label mask is an 8-bit PNG whose value is the
class index; 255 is unlabeled and is ignored, so partial labels (scribbles) train correctly. A volume
(.nii/.nii.gz) pairs with a NIfTI label volume of the same grid: each slice with labels is a training image.

Data:
  --images DIR           training images
  --labels DIR           label masks
  --label-values V0,V1…  raw mask values of classes 0,1,… (e.g. 0,255 for binary masks)
  --ignore-value V       raw mask value meaning unlabeled (e.g. 11 for CamVid's void)
${labelColorUsage('the colours of --classes FILE.json')}
  --classes FILE.json    class names and colours: [{"name": "road", "color": "#808080"}, …]
  --val-split F          fraction of images kept for validation, whole volumes (or one slab of slices) (default ${d.valSplit})
  --slice-context N      volumes, 2.5D: N neighbour slices on each side become extra input bands (default 0)
Model:
  --model NAME           architecture (default ${d.architecture}; segwork models lists them)
  --preset NAME          architecture preset, e.g. tiny, small, standard (default ${d.preset})
  --init-encoder DIR     start the encoder from a pre-trained model directory
  --upsampling MODE      U-Net's decoder: nearest | bilinear (resize, then a 2×2 conv) | transpose (the paper's
                         learnt 2×2 up-convolution) (default nearest)
Training:
  --size PATCH           patch edge in pixels (default ${d.patchSize})
  --batch N              patches per step (default ${d.batchSize})
  --epochs N             maximum epochs (default ${d.epochs})
  --steps N              steps per epoch (default: enough to cover the images once)
  --time-budget S        stop at the end of the step that crosses S seconds, then save
  --lr RATE              Adam learning rate (default ${d.learningRate})
  --class-weights MODE   none | median-frequency (default ${d.classWeighting})
  --dice W               weight of the Dice term added to cross-entropy (default ${d.diceWeight})
  --patience N           early stopping after N epochs without a better validation mIoU (default ${d.earlyStoppingPatience})
  --no-augment           no flips, rotations, scale, brightness/contrast or noise
  --elastic SIGMA_PX     U-Net's elastic deformation: random displacements of σ pixels on a 3×3 grid, smoothly
                         interpolated, applied to image and labels alike, --no-augment or not (default 0: off;
                         the paper: 10 px on 572 px tiles)
  --weight-map CLASS     U-Net's separation weight map as per-pixel loss weights: objects of class index CLASS
                         (e.g. 1, the cells between membranes) are kept apart; w_c is --class-weights' weight
  --w0 W                 the weight map's border weight (default ${WEIGHT_MAP_DEFAULTS.w0})
  --weight-sigma PX      the weight map's border width σ (default ${WEIGHT_MAP_DEFAULTS.sigma})
  --seed N               makes runs repeatable (default ${d.seed})
  --backend NAME         onnxruntime (the default where it loads; onnxruntime-PROVIDER forces a provider), or a
                         tfjs backend: tensorflow | webgpu | wasm | cpu
  --resume               continue from MODEL_DIR/checkpoint after a kill or Ctrl-C
Output:
  --out MODEL_DIR        model directory (model.json, weights.bin, segwork.json; best epoch's weights)
  --json                 progress as JSON lines on stdout
  --workspace DIR        where the run is recorded`,
  interrupt: 'Stopping after the current step (Ctrl-C again to quit at once)…',
  async run(argv, io) {
    const { values } = parse(argv, {
      images: { type: 'string' },
      labels: { type: 'string' },
      out: { type: 'string' },
      ...labelOptionSpec,
      classes: { type: 'string' },
      'val-split': { type: 'string' },
      'slice-context': { type: 'string' },
      model: { type: 'string' },
      preset: { type: 'string' },
      'init-encoder': { type: 'string' },
      upsampling: { type: 'string' },
      size: { type: 'string' },
      batch: { type: 'string' },
      epochs: { type: 'string' },
      steps: { type: 'string' },
      'time-budget': { type: 'string' },
      lr: { type: 'string' },
      'class-weights': { type: 'string' },
      dice: { type: 'string' },
      patience: { type: 'string' },
      'no-augment': { type: 'boolean' },
      elastic: { type: 'string' },
      'weight-map': { type: 'string' },
      w0: { type: 'string' },
      'weight-sigma': { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      resume: { type: 'boolean' },
      json: { type: 'boolean' },
      workspace: { type: 'string' },
    });
    const imagesDir = required(values, 'images');
    const labelsDir = required(values, 'labels');
    const outDir = path.resolve(required(values, 'out'));
    // TensorFlow.js, the readers and SQLite load only when a run starts, so --help answers at once.
    const [{ chooseEngine, initBackend }, { architectureNames, getArchitecture }, { train }, { inferNumClasses, loadLabeledImages, pairImagesWithLabels }, { openWorkspace }] =
      await Promise.all([
        import('../compute/backends.ts'),
        import('../models/index.ts'),
        import('../training/loop.ts'),
        import('../training/dataset.ts'),
        import('../store/workspace.ts'),
      ]);
    const architecture = values.model ?? d.architecture;
    if (!architectureNames().includes(architecture)) throw new UsageError(`unknown model "${architecture}": choose one of ${architectureNames().join(', ')}`);
    const classWeighting = values['class-weights'] ?? d.classWeighting;
    if (classWeighting !== 'none' && classWeighting !== 'median-frequency') throw new UsageError('--class-weights must be none or median-frequency');
    const labelOptions = parseLabelOptions(values);
    const { labelValues, ignoreValue } = labelOptions;
    const timeBudget = numberOption(values, 'time-budget', undefined, 1, 1e7);
    const options: TrainOptions = {
      architecture,
      preset: values.preset ?? d.preset,
      ...upsamplingOption(values.upsampling, architecture, (name) => getArchitecture(name).choices?.upsampling, architectureNames()),
      patchSize: intOption(values, 'size', d.patchSize, 16),
      batchSize: intOption(values, 'batch', d.batchSize, 1),
      epochs: intOption(values, 'epochs', timeBudget !== undefined ? 1000 : d.epochs, 1),
      ...(values.steps !== undefined ? { stepsPerEpoch: intOption(values, 'steps', 1, 1) } : {}),
      learningRate: numberOption(values, 'lr', d.learningRate, 1e-7, 1)!,
      valSplit: numberOption(values, 'val-split', d.valSplit, 0, 0.9)!,
      seed: intOption(values, 'seed', d.seed),
      ...(timeBudget !== undefined ? { timeBudgetSeconds: timeBudget } : {}),
      earlyStoppingPatience: intOption(values, 'patience', d.earlyStoppingPatience, 1),
      classWeighting,
      diceWeight: numberOption(values, 'dice', d.diceWeight, 0, 10)!,
      augment: !values['no-augment'],
      elasticSigma: numberOption(values, 'elastic', 0, ...ELASTIC_SIGMA_RANGE)!,
      ...weightMapOption(values),
      sliceContext: intOption(values, 'slice-context', 0, 0),
    };

    const classesFile = values.classes ? { list: await readClassesFile(values.classes), from: values.classes } : undefined;
    const mapping = resolveLabelMapping(labelOptions, classesFile ?? { missing: 'give --classes FILE.json with the class colours, or list the colours' });
    // Masks' colours listed without a classes file become the classes' colours, so exports look like the masks.
    const givenClasses = classesFile?.list ?? classesOfColors(labelOptions);
    const numClassesHint = givenClasses?.length ?? labelValues?.length;
    const { pairs, unpaired } = await pairImagesWithLabels(imagesDir, labelsDir);
    const items = await loadLabeledImages(pairs, { ...mapping, numClasses: numClassesHint, sliceContext: options.sliceContext });
    const numClasses = numClassesHint ?? inferNumClasses(items.map((i) => i.mask));
    const classes = givenClasses ?? defaultClasses(numClasses);
    if (labelValues && givenClasses && labelValues.length !== givenClasses.length) {
      throw new UsageError(`--label-values lists ${labelValues.length} values but ${values.classes} has ${givenClasses.length} classes`);
    }
    const backend = await initBackend(values.backend);
    const engine = await chooseEngine(values.backend);
    const { train: trainItems, val } = splitTrainVal(items, options.valSplit, options.seed);

    const json = Boolean(values.json);
    const bar = new ProgressBar(io.stderr);
    const say = (line: string) => (json ? undefined : bar.log(line));
    if (unpaired.length > 0) say(`${unpaired.length} image(s) have no label and are left out (e.g. ${path.basename(unpaired[0]!)})`);
    say(`Training ${architecture} (${options.preset}) on ${trainItems.length} image(s), validating on ${val.length}, ${classes.length} classes`);

    const ws = openWorkspace(resolveWorkspaceDir(values.workspace));
    const run = new TrainingRunRecord(ws, { projectId: null, modelId: null, config: { ...options, imagesDir: path.resolve(imagesDir), labelsDir: path.resolve(labelsDir), outDir }, backend });
    const onEvent = (event: TrainEvent) => {
      if (json) io.stdout.write(toJson(event) + '\n');
      if (event.type === 'start') {
        say(`Steps run on ${event.backend} (${event.parameters.toLocaleString('en')} parameters)`);
        const at = event.resumedAt;
        if (at) say(`Resuming from epoch ${at.epoch}${at.step > 1 ? `, step ${at.step}` : ''}`);
      }
      if (event.type === 'step') {
        const done = ((event.epoch - 1) * event.stepsPerEpoch + event.step) / (options.epochs * event.stepsPerEpoch);
        const budgetDone = timeBudget ? 1 - (event.etaSeconds ?? 0) / timeBudget : 0;
        bar.update(Math.max(done, budgetDone), `epoch ${event.epoch}/${options.epochs} step ${event.step}/${event.stepsPerEpoch} loss ${event.loss.toFixed(4)} ${event.imagesPerSecond.toFixed(1)} img/s ETA ${formatSeconds(event.etaSeconds)}`);
      } else if (event.type === 'epoch') {
        run.epoch(event);
        const perClass = event.perClassIoU.map((v, i) => `${classes[i]!.name} ${v === null ? '–' : v.toFixed(3)}`).join(', ');
        say(`epoch ${event.epoch}: loss ${event.loss.toFixed(4)}${event.valLoss !== null ? ` val loss ${event.valLoss.toFixed(4)}` : ''} mIoU ${event.meanIoU?.toFixed(4) ?? '–'} (${perClass}) ${formatSeconds(event.seconds)}`);
      }
    };
    try {
      const trained = train({ train: trainItems, val, classes, options, outDir, backend, engine, note: (line) => bar.log(line), resume: Boolean(values.resume), labelValues, ignoreValue, ...(mapping.colors ? { colors: mapping.colors } : {}), signal: io.signal, onEvent, ...(values['init-encoder'] ? { initEncoderDir: values['init-encoder'] } : {}) });
      const end = await settleJob(trained, () => io.signal.aborted);
      bar.clear();
      if (end.status === 'failed') {
        run.finish(end);
        throw end.error;
      }
      if (!end.result) {
        // Stopped inside work that has nothing partial to give (e.g. a validation pass): no model to record.
        run.finish(end);
        say('Cancelled before any epoch was saved');
        return EXIT_OK;
      }
      const result = end.result;
      run.setModel(ws.models.add({ projectId: null, name: path.basename(outDir), architecture, config: result.meta.config, classes, directory: outDir }).id);
      run.finish({ ...end, result: result.end });
      say(`Done (${result.end.reason}) after ${result.end.epochs} epoch(s), ${formatSeconds(result.end.seconds)}; best mIoU ${result.end.bestMeanIoU?.toFixed(4) ?? '–'}. Model: ${outDir}`);
      return EXIT_OK;
    } finally {
      ws.close();
    }
  },
};
