import os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_TILE_OPTIONS } from '../inference/tiler.ts';
import { intOption, numberOption, parse, required } from './args.ts';
import type { BatchEvent, BatchSummary } from '../api/types.ts';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, UsageError, type Command } from './command.ts';
import { ProgressBar, formatSeconds, toJson } from './progress.ts';
import { forwardBackendUsage } from './backend-option.ts';
import { parseRefineOptions, refineOptionSpec, refineUsage } from './refine-options.ts';
import { connectQueue, queueUsage } from './queue-option.ts';

/** Default of --block-size (src/queue/large-raster.ts; kept here so --help loads no queue code). */
const DEFAULT_BLOCK_SIZE = 8192;

export const segmentCommand: Command = {
  usage: `Usage: segwork segment --model MODEL_DIR|MODEL.onnx --in DIR --out DIR [options]

Every readable image gets a mask (8-bit PNG, value = class index) at the same relative path under --out;
a GeoTIFF gets a GeoTIFF mask with its CRS and transform. A volume gets a label volume with its geometry:
NAME.nii.gz for NIfTI, <folder>/<SeriesInstanceUID>.nii.gz for each DICOM series (a folder's DICOM files are
grouped by series and sorted along the slice normal).
Images of any size go through overlapping tiles blended with a Gaussian importance map, so memory depends
on the tile size, not the image size; a (Geo)TIFF's outputs are written strip by strip as rows are done.
An unreadable file is reported with the reason and the batch goes on; a re-run skips finished files.
Exit code 2 if any file failed. --model takes a model directory or a .onnx file that segwork exported.

Options:
  --recursive        include sub-folders
  --probabilities    also write NAME.probabilities.tif: one uint8 band per class (band k = class k,
                     value = round(255 × probability))
  --uncertainty      also write NAME.uncertainty.png (NAME.uncertainty.tif, georeferenced, for TIFF inputs):
                     per-pixel normalised entropy, 0 (sure) … 255 (undecided)
  --dicom-seg        for DICOM series: also write <SeriesInstanceUID>.seg.dcm, a DICOM SEG referencing the series
  --geojson          also write NAME.geojson: each class's regions as polygons, in a GeoTIFF's CRS
  --overwrite        redo files whose mask exists
  --tile N           tile edge in pixels (default ${DEFAULT_TILE_OPTIONS.tile})
  --overlap F        overlap between tiles, 0 ≤ F < 1 (default ${DEFAULT_TILE_OPTIONS.overlap})
${refineUsage}
  --workers N        images segmented at once, each in its own thread (default: one per core)
${forwardBackendUsage}
  --json             progress and the summary as JSON lines

Many machines (see README, "Many machines"): every machine must see the same paths.
${queueUsage}
                     put the files on this queue for \`segwork worker\` processes, follow them with the
                     usual progress and summary
  --detach           with --queue: queue the batch, print its id and return (segwork batch status|cancel ID)
  --block-size N     with --queue: a (Geo)TIFF wider or taller than N pixels is split into N×N block jobs
                     (default ${DEFAULT_BLOCK_SIZE}); its outputs are the same as on one machine`,
  interrupt: 'Stopping after the files in progress (Ctrl-C again to quit at once)…',
  async run(argv, io) {
    // Loaded when it runs, not with the module: its --help then starts without tfjs (tests/unit/cli/startup.test.ts).
    const [{ segmentFolder }, { openInferenceModel }, { segmentFolderPooled }, { readModelMeta }, { readBareOnnx }] = await Promise.all([
      import('../inference/batch.ts'),
      import('../inference/inference-model.ts'),
      import('../jobs/segment-pool.ts'),
      import('../models/model-dir.ts'),
      import('../models/onnx/model-file.ts'),
    ]);
    const { values } = parse(argv, {
      model: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      recursive: { type: 'boolean' },
      probabilities: { type: 'boolean' },
      uncertainty: { type: 'boolean' },
      'dicom-seg': { type: 'boolean' },
      geojson: { type: 'boolean' },
      overwrite: { type: 'boolean' },
      tile: { type: 'string' },
      overlap: { type: 'string' },
      ...refineOptionSpec,
      workers: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
      workspace: { type: 'string' },
      queue: { type: 'string' },
      detach: { type: 'boolean' },
      'block-size': { type: 'string' },
    });
    const modelDir = required(values, 'model');
    if ((values.detach || values['block-size']) && !values.queue) throw new UsageError('--detach and --block-size go with --queue');
    const inputDir = path.resolve(required(values, 'in'));
    const outputDir = path.resolve(required(values, 'out'));
    const tiles = {
      ...DEFAULT_TILE_OPTIONS,
      tile: intOption(values, 'tile', DEFAULT_TILE_OPTIONS.tile, 16),
      overlap: numberOption(values, 'overlap', DEFAULT_TILE_OPTIONS.overlap, 0, 0.95)!,
    };
    const workers = intOption(values, 'workers', os.availableParallelism(), 1);
    const json = Boolean(values.json);
    const bar = new ProgressBar(io.stderr);
    const batch = {
      inputDir,
      outputDir,
      recursive: Boolean(values.recursive),
      overwrite: Boolean(values.overwrite),
      probabilities: Boolean(values.probabilities),
      uncertainty: Boolean(values.uncertainty),
      dicomSeg: Boolean(values['dicom-seg']),
      geojson: Boolean(values.geojson),
      tiles,
      refine: parseRefineOptions(values),
      signal: io.signal,
      onEvent: (event: BatchEvent) => {
        if (json) {
          io.stdout.write(toJson(event) + '\n');
          return;
        }
        if (event.type === 'file') {
          if (event.status === 'failed') bar.log(`failed: ${event.path}: ${event.reason}`);
          bar.update(event.index / event.total, `${event.index}/${event.total} ${path.basename(event.path)}`);
        }
      },
    };
    let summary: BatchSummary;
    if (values.queue) {
      const { redis, address } = await connectQueue(values.queue);
      try {
        const [{ enqueueBatch }, { followBatch }] = await Promise.all([import('../queue/enqueue.ts'), import('../queue/follow.ts')]);
        const record = await enqueueBatch(redis, { ...batch, model: modelDir, blockSize: intOption(values, 'block-size', DEFAULT_BLOCK_SIZE, 256) });
        const next = `segwork batch status ${record.id} --queue ${values.queue}`;
        if (values.detach) {
          io.stdout.write(json ? toJson({ type: 'batch', id: record.id, files: record.files.length, skipped: record.skipped.length }) + '\n' : `${record.id}\n`);
          if (!json) io.stderr.write(`Queued ${record.files.length} file(s) (${record.skipped.length} already done) as batch ${record.id}; follow it with: ${next}\n`);
          return EXIT_OK;
        }
        summary = await followBatch(redis, address, record.id, { onEvent: batch.onEvent, signal: io.signal });
        if (io.signal.aborted) {
          bar.log(`Stopped following; batch ${record.id} goes on on the workers (${next}, or segwork batch cancel ${record.id} --queue ${values.queue}).`);
          return EXIT_INTERRUPTED;
        }
      } finally {
        redis.disconnect();
      }
    } else if (workers > 1) {
      // Fail on a bad model before any worker starts.
      if (/\.onnx$/i.test(modelDir)) await readBareOnnx(modelDir);
      else await readModelMeta(modelDir);
      summary = await segmentFolderPooled(modelDir, { ...batch, workers, note: (line) => bar.log(line), ...(values.backend ? { backend: values.backend } : {}) });
    } else {
      const model = await openInferenceModel(modelDir, { backend: values.backend, note: (line) => bar.log(line) });
      summary = await segmentFolder(model, batch).finally(() => model.dispose());
    }
    bar.clear();
    if (json) {
      io.stdout.write(toJson({ type: 'summary', ...summary }) + '\n');
    } else {
      io.stdout.write(`${summary.done} segmented, ${summary.skipped} skipped (already done), ${summary.failed} failed in ${formatSeconds(summary.seconds)} (${summary.imagesPerSecond.toFixed(2)} img/s${summary.engine ? ` on ${summary.engine}` : ''}). Masks: ${outputDir}\n`);
      for (const f of summary.failures) io.stdout.write(`  failed: ${f.path}: ${f.reason}\n`);
    }
    return summary.failed > 0 ? EXIT_PARTIAL : EXIT_OK;
  },
};
