// `segwork segment --queue`: plans the batch exactly as the single-machine path does (same outputs, same skipping
// of finished files), then puts one job per file on the queue, or for a raster larger than the block size a flow of
// block jobs under one assemble job. Every path in a job is absolute: workers must see the same paths.
import * as path from 'node:path';
import { FlowProducer, Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { planBatch, type BatchItem, type BatchOptions } from '../inference/batch.ts';
import { needsWholeImage } from '../inference/refine.ts';
import { openRaster } from '../io/index.ts';
import { readModelMeta } from '../models/model-dir.ts';
import { readBareOnnx } from '../models/onnx/model-file.ts';
import { newBatchId, saveBatch, KEEP_SECONDS, type BatchFile, type BatchRecord } from './batch-record.ts';
import { blockJobId, fileJobId, KEY_PREFIX, modelDigest, QUEUE_NAME, type AssembleJob, type BlockJob, type FileJob, type JobSegmentOptions, type ModelRef } from './jobs.ts';
import { planBlocks } from './large-raster.ts';

export interface EnqueueOptions extends Omit<BatchOptions, 'onEvent' | 'signal'> {
  /** Model directory or .onnx file. */
  model: string;
  /** Rasters wider or taller than this are split into block jobs. */
  blockSize: number;
}

/** Retries of a job that failed for something other than its input (a dead thread, a lost file system). */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: KEEP_SECONDS },
  removeOnFail: { age: KEEP_SECONDS },
};

export async function enqueueBatch(redis: Redis, options: EnqueueOptions): Promise<BatchRecord> {
  const modelPath = path.resolve(options.model);
  // A bad model fails here, once, before anything is queued.
  const meta = /\.onnx$/i.test(modelPath) ? (await readBareOnnx(modelPath)).meta : await readModelMeta(modelPath);
  const model: ModelRef = { path: modelPath, digest: await modelDigest(modelPath) };
  const plan = await planBatch(options);
  const { probabilities, uncertainty, dicomSeg, geojson, tiles, refine } = options;
  const jobOptions: JobSegmentOptions = { probabilities, uncertainty, dicomSeg, geojson, tiles, refine };
  const batch = newBatchId();
  const queue = new Queue(QUEUE_NAME, { connection: redis, prefix: KEY_PREFIX });
  const flows = new FlowProducer({ connection: redis, prefix: KEY_PREFIX });
  const files: BatchFile[] = [];
  try {
    for (const item of plan.todo) {
      const id = await fileJobId(item.file, item.output, model, jobOptions);
      files.push({ id, file: item.file, output: item.output });
      // A finished job of the same work (its output since deleted, or --overwrite, or a failure to try again) is
      // replaced; one still waiting or running is joined instead of added twice.
      const existing = await queue.getJob(id);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed') continue;
        await queue.remove(id, { removeChildren: true });
      }
      const blocks = await blocksOf(item, options, jobOptions);
      const base = { batch, file: item.file, model, options: jobOptions };
      if (!blocks) {
        await queue.add('file', { kind: 'file', ...base, output: item.output } satisfies FileJob, { ...JOB_OPTIONS, jobId: id });
        continue;
      }
      const blockDir = path.join(options.outputDir, '.segwork-blocks', id);
      const windows = blocks.map((window, i) => ({ window, blockFile: path.join(blockDir, `${i}.block`) }));
      const classes = meta.classes.map(({ index, name }) => ({ index, name }));
      await flows.add({
        name: 'assemble',
        queueName: QUEUE_NAME,
        data: { kind: 'assemble', ...base, output: item.output, numClasses: meta.classes.length, classes, blocks: windows, blockDir } satisfies AssembleJob,
        opts: { ...JOB_OPTIONS, jobId: id },
        children: windows.map((w, i) => ({
          name: 'block',
          queueName: QUEUE_NAME,
          data: { kind: 'block', ...base, ...w } satisfies BlockJob,
          opts: { ...JOB_OPTIONS, jobId: blockJobId(id, i), failParentOnFailure: true },
        })),
      });
    }
    const record: BatchRecord = { id: batch, created: Date.now(), model: modelPath, outputDir: options.outputDir, files, skipped: plan.done, cancelled: false };
    await saveBatch(redis, record);
    return record;
  } finally {
    await queue.close();
    await flows.close();
  }
}

/**
 * The block windows of a single-image (Geo)TIFF larger than the block size, whose outputs stream as TIFFs; null for
 * anything that is one job (smaller images, volumes, or a whole-image refinement that needs the image at once).
 */
async function blocksOf(item: BatchItem, options: EnqueueOptions, jobOptions: JobSegmentOptions) {
  if (!item.output.endsWith('.tif') || needsWholeImage(jobOptions.refine ?? {})) return null;
  let size: { width: number; height: number; slices: number };
  try {
    const raster = await openRaster(item.file);
    size = { width: raster.width, height: raster.height, slices: raster.slices };
    await raster.close();
  } catch {
    return null; // The file job reports why it cannot be read.
  }
  if (size.slices > 1 || (size.width <= options.blockSize && size.height <= options.blockSize)) return null;
  return planBlocks(size.width, size.height, options.blockSize);
}
