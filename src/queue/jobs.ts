// What travels through the queue: one job per file, or for a large raster one block job per window and a parent job
// that assembles them. A job's id is a hash of everything its result depends on (the input's identity, the model's
// weights, the options), so enqueueing the same work twice, or retrying it, names the same job.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { SegmentOptions } from '../inference/segment-image.ts';
import type { PixelWindow } from '../inference/tiler.ts';
import { META, WEIGHTS } from '../models/model-dir.ts';

/** Redis keys start with this, so a queue shares a Redis with other applications. */
export const KEY_PREFIX = 'segwork';
export const QUEUE_NAME = 'segment';

/** The options a job carries: what SegmentOptions holds, less what only makes sense in one process. */
export type JobSegmentOptions = Omit<SegmentOptions, 'signal'>;

export interface ModelRef {
  /** Absolute path of a model directory or a .onnx file, the same on every machine (shared file system). */
  path: string;
  /** SHA-256 of the model's files when the batch was enqueued (modelDigest). */
  digest: string;
}

interface JobBase {
  batch: string;
  /** The input file (absolute). */
  file: string;
  model: ModelRef;
  options: JobSegmentOptions;
}

/** Segments one file (an image, a NIfTI volume, a DICOM series) into its outputs. */
export interface FileJob extends JobBase {
  kind: 'file';
  output: string;
}

/** Segments one window of a large raster into a raw block file (see block-file.ts). */
export interface BlockJob extends JobBase {
  kind: 'block';
  window: PixelWindow;
  blockFile: string;
}

/** Writes a large raster's outputs from its block files, once every block job has finished. */
export interface AssembleJob extends JobBase {
  kind: 'assemble';
  output: string;
  numClasses: number;
  classes: { index: number; name: string }[];
  blocks: { window: PixelWindow; blockFile: string }[];
  blockDir: string;
}

export type SegmentJob = FileJob | BlockJob | AssembleJob;

/** What a finished job returns (kept on the job in Redis). */
export interface JobResult {
  seconds: number;
  worker: string;
}

/**
 * The id of the job that segments `file` into `output` with `model` and `options`: a re-run with nothing changed
 * names the same job; a touched input, other weights or other options name a new one.
 */
export async function fileJobId(file: string, output: string, model: ModelRef, options: JobSegmentOptions): Promise<string> {
  const { size, mtimeMs } = await stat(file);
  const identity = JSON.stringify({ file, size, mtimeMs, output, model: model.digest, options });
  // BullMQ takes an all-digit id for a number: the letter keeps it a name.
  return `f${createHash('sha256').update(identity).digest('hex').slice(0, 40)}`;
}

export function blockJobId(parentId: string, index: number): string {
  return `${parentId}-b${index}`;
}

/** SHA-256 over a model's files: a .onnx file itself, or a directory's description and weights. */
export async function modelDigest(modelPath: string): Promise<string> {
  const hash = createHash('sha256');
  const files = /\.onnx$/i.test(modelPath) ? [modelPath] : [path.join(modelPath, META), path.join(modelPath, WEIGHTS)];
  for (const file of files) {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
