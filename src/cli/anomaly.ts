// `segwork anomaly train|map`: an autoencoder trained on normal images only, and anomaly maps (its smoothed
// reconstruction error) of a folder of images, each with a score.
import * as path from 'node:path';
import { CancelledError } from '../api/errors.ts';
import { InputError } from '../io/raster.ts';
import { ANOMALY_RANGES, ANOMALY_STATISTICS, DEFAULT_BETA, DEFAULT_ENCODER, DEFAULT_SIGMA, DEFAULT_STATISTIC, SCALE_PERCENTILE, SCORE_TOP_SHARE, type AnomalyStatistic } from '../anomaly/settings.ts';
import { numberOption, parse, required } from './args.ts';
import { AUTOENCODER_OPTIONS, autoencoderSteps, imageFolders, readImageFolders } from './autoencoder-options.ts';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, UsageError, type CliIO, type Command } from './command.ts';
import { formatSeconds, ProgressBar, toJson } from './progress.ts';

const TRAIN_USAGE = `  segwork anomaly train --images DIR [--images DIR …] --out MODEL_DIR [options]
    Trains an autoencoder (a U-Net encoder ${DEFAULT_ENCODER.modelConfig.depth} levels deep with ${DEFAULT_ENCODER.modelConfig.baseFilters} base filters, and a light decoder) to
    reconstruct the images, which must all be normal (no anomalies), on random patches; then measures the normal
    scale (the ${SCALE_PERCENTILE}th percentile of the training images' smoothed maps) and, for the deviation statistic,
    their log error's mean and spread. Ctrl-C stops it without writing the model.
    --images DIR        folder of normal images (repeat for several folders)
    --out MODEL_DIR     the anomaly model's folder
    --plain             a plain autoencoder (default: variational, a Gaussian bottleneck with a KL term)
    --beta B            variational: the KL weight β (default ${DEFAULT_BETA}; ${ANOMALY_RANGES.beta[0]}–${ANOMALY_RANGES.beta[1]})
    --sigma S           smoothing of the maps in pixels (default ${DEFAULT_SIGMA}; ${ANOMALY_RANGES.sigma[0]}–${ANOMALY_RANGES.sigma[1]}); stored with the model
    --time-budget S     stop training after S seconds (default 300)
    --steps N           stop training after N steps (default 100000)
    --size PATCH        patch edge in pixels, a multiple of 16 (default 64)
    --batch N           patches per step (default 8)
    --lr RATE           Adam learning rate (default 0.001)
    --seed N            repeatable runs (default 1)
    --backend NAME      tensorflow | webgpu | wasm | cpu (default: fastest available)
    --json              progress and result as JSON lines`;

const MAP_USAGE = `  segwork anomaly map --model MODEL_DIR --in DIR --out DIR [options]
    Writes each image's anomaly map as DIR/NAME.anomaly.png: from each pixel's squared reconstruction error (mean
    over bands, in normalised units), Gaussian-smoothed, its deviation from the training images' (--statistic),
    on one 8-bit scale for all images: 128 is the normal scale, 255 twice it or more. The image's score is the mean of the top ${SCORE_TOP_SHARE * 100} % of its map over the normal
    scale (about 1 on normal images; higher means more unlike them). Grey and RGB images are converted to the
    model's bands as segment converts them. A file that cannot be read is reported and the rest go on (exit code 2).
    --model MODEL_DIR   from segwork anomaly train
    --in DIR            folder of images (--recursive: subfolders too, mirrored under --out)
    --out DIR           folder for the maps
    --sigma S           smoothing in pixels (default: the model's; another σ changes the maps' scale a little)
    --statistic NAME    error: the smoothed error itself; deviation: how far its log lies from the training
                        images', above or below, in their standard deviations, so regions reconstructed unusually
                        well count too (default ${DEFAULT_STATISTIC}; models trained before it have only error)
    --backend NAME      tensorflow | webgpu | wasm | cpu (default: fastest available)
    --json              one JSON line per image {"path", "score", "map", "statistic"} and a summary line`;

export const anomalyCommand: Command = {
  usage: `Usage: segwork anomaly train|map [options]

Anomaly maps from the reconstruction error of an autoencoder trained on normal images only: where it reconstructs
an image unusually badly, or unusually well, the image differs from what it learnt. A smooth foreign region can be
easier to reconstruct than normal texture, so the error alone misses it; the deviation (the default) does not
(the README's "Anomaly maps" has the measurements).

${TRAIN_USAGE}

${MAP_USAGE}`,
  interrupt: 'Stopping after the current step or image (Ctrl-C again to quit at once)…',
  async run(argv, io) {
    const [action, ...rest] = argv;
    if (action === 'train') return trainAction(rest, io);
    if (action === 'map') return mapAction(rest, io);
    throw new UsageError(`anomaly takes one action, train or map; got ${action ?? 'none'}`);
  },
};

async function trainAction(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, { ...AUTOENCODER_OPTIONS, plain: { type: 'boolean' }, beta: { type: 'string' }, sigma: { type: 'string' } });
  const dirs = imageFolders(values);
  const outDir = required(values, 'out');
  if (values.plain && values.beta !== undefined) throw new UsageError('--beta applies to the variational autoencoder, not --plain');
  const beta = numberOption(values, 'beta', DEFAULT_BETA, ...ANOMALY_RANGES.beta)!;
  const sigma = numberOption(values, 'sigma', DEFAULT_SIGMA, ...ANOMALY_RANGES.sigma)!;
  const steps = autoencoderSteps(values, { size: 64, batch: 8 });
  if (steps.patchSize % 16 !== 0) throw new UsageError(`--size must be a multiple of 16, got "${steps.patchSize}"`);

  // TensorFlow.js and the readers load only when a run starts, so --help answers at once.
  const [{ initBackend }, { trainAnomalyModel }] = await Promise.all([import('../compute/backends.ts'), import('../anomaly/train.ts')]);
  const images = await readImageFolders(dirs);
  const backend = await initBackend(values.backend);
  const objective = values.plain ? 'plain' : 'variational';
  const bar = new ProgressBar(io.stderr);
  if (!values.json) bar.log(`Training a ${objective} autoencoder on ${images.length} normal image(s), backend ${backend}`);
  try {
    const { meta } = await trainAnomalyModel({
      images, outDir, backend, objective, beta, sigma, ...steps,
      signal: io.signal,
      onProgress: (p) => {
        if (values.json) io.stdout.write(toJson({ type: 'step', ...p }) + '\n');
        else bar.update(Math.max(p.step / steps.maxSteps, p.seconds / steps.timeBudgetSeconds), `step ${p.step}  loss ${p.loss.toFixed(4)}  ${formatSeconds(p.seconds)}`);
      },
      onScaleProgress: (done, total) => {
        if (values.json) io.stdout.write(toJson({ type: 'scale', done, total }) + '\n');
        else bar.update(done / total, `normal scale: image ${done} of ${total}`, true);
      },
    });
    bar.clear();
    const t = meta.training;
    if (values.json) io.stdout.write(toJson({ type: 'end', ...t, normalScale: meta.normalScale, outDir: path.resolve(outDir) }) + '\n');
    else io.stderr.write(`Done (${t.endReason}): ${t.steps} steps in ${formatSeconds(t.seconds)}, loss ${t.firstLoss.toFixed(4)} → ${t.lastLoss.toFixed(4)}; normal scale ${meta.normalScale.toPrecision(4)}\nAnomaly model saved to ${outDir}; use: segwork anomaly map --model ${outDir} --in DIR --out DIR\n`);
    return EXIT_OK;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    bar.log('Stopped: nothing was written.');
    return EXIT_INTERRUPTED;
  }
}

async function mapAction(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {
    model: { type: 'string' },
    in: { type: 'string' },
    out: { type: 'string' },
    sigma: { type: 'string' },
    statistic: { type: 'string' },
    recursive: { type: 'boolean' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
  });
  const modelDir = required(values, 'model');
  const inDir = path.resolve(required(values, 'in'));
  const outDir = path.resolve(required(values, 'out'));
  const sigma = numberOption(values, 'sigma', undefined, ...ANOMALY_RANGES.sigma);
  const statistic = values.statistic as AnomalyStatistic | undefined;
  if (statistic !== undefined && !ANOMALY_STATISTICS.includes(statistic)) throw new UsageError(`--statistic must be one of ${ANOMALY_STATISTICS.join(', ')}, got "${statistic}"`);
  const [{ initBackend }, { loadAnomalyModel }, { mapImageFile }, { listImageFiles }, { outputPathFor }] = await Promise.all([
    import('../compute/backends.ts'),
    import('../anomaly/model-dir.ts'),
    import('../anomaly/map-file.ts'),
    import('../io/files.ts'),
    import('../inference/batch.ts'),
  ]);
  await initBackend(values.backend);
  const model = await loadAnomalyModel(modelDir);
  const files = await listImageFiles(inDir, { recursive: Boolean(values.recursive) });
  if (files.length === 0) throw new InputError(inDir, 'no images found');
  const bar = new ProgressBar(io.stderr);
  const failed: { path: string; reason: string }[] = [];
  let written = 0;
  try {
    for (const [k, file] of files.entries()) {
      if (io.signal.aborted) break;
      const relative = path.relative(inDir, file);
      // Beside where segment would write the image's mask, named as its other outputs are.
      const mapFile = outputPathFor(inDir, outDir, file).replace(/\.(png|tif|nii\.gz)$/, '.anomaly.png');
      try {
        const { score, statistic: shown } = await mapImageFile(model, file, mapFile, {
          sigma, statistic, signal: io.signal,
          onProgress: (done, total) => bar.update((k + done / total) / files.length, relative),
        });
        written++;
        if (values.json) io.stdout.write(toJson({ path: file, score, map: mapFile, statistic: shown }) + '\n');
        else bar.log(`${relative}  score ${score.toFixed(3)}`);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        failed.push({ path: file, reason: e.problem });
        if (values.json) io.stdout.write(toJson({ path: file, error: e.problem }) + '\n');
        else bar.log(`segwork: ${relative}: ${e.problem}`);
      }
    }
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
  } finally {
    model.reconstruction.dispose();
  }
  bar.clear();
  const interrupted = io.signal.aborted;
  if (values.json) io.stdout.write(toJson({ type: 'end', written, failed, total: files.length, out: outDir, interrupted }) + '\n');
  else io.stdout.write(`${written} of ${files.length} anomaly map(s) written to ${outDir}${failed.length ? `; ${failed.length} failed` : ''}${interrupted ? ' (stopped)' : ''}\n`);
  if (interrupted) return EXIT_INTERRUPTED;
  return failed.length > 0 ? EXIT_PARTIAL : EXIT_OK;
}
