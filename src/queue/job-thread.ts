// A queue worker's job thread: runs one job at a time off the main thread, so BullMQ's lock renewals never wait on
// a forward pass. Models are loaded once and kept by their weights digest; a job whose model this machine cannot
// read, or whose model changed since the batch was enqueued, is refused with the reason.
import { readdir, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { hostname } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../api/errors.ts';
import { failureReason } from '../inference/batch.ts';
import { segmentFile } from '../inference/segment-file.ts';
import { openInferenceModel, type InferenceModel } from '../inference/inference-model.ts';
import { outputPaths } from '../inference/segment-sinks.ts';
import { assembleBlocks, segmentBlock } from './large-raster.ts';
import { modelDigest, type ModelRef, type SegmentJob } from './jobs.ts';
import type { JobReply, JobRequest, JobThreadData } from './job-thread-protocol.ts';

const port = parentPort;
if (!port) throw new Error('job-thread.ts runs only as a worker thread');
const setup = workerData as JobThreadData;

/** Loaded models by weights digest. */
const models = new Map<string, Promise<InferenceModel>>();
/** The digest of each model path as last read, with the size and time it had then, so it is hashed once. */
const digests = new Map<string, { signature: string; digest: string }>();

/** This machine cannot read the model: another worker may, so the job is handed back rather than failed. */
class ModelUnreadableError extends Error {}

async function currentDigest(modelPath: string): Promise<string> {
  try {
    const { size, mtimeMs } = await stat(/\.onnx$/i.test(modelPath) ? modelPath : `${modelPath}/weights.bin`);
    const signature = `${size}:${mtimeMs}`;
    const known = digests.get(modelPath);
    if (known?.signature === signature) return known.digest;
    const digest = await modelDigest(modelPath);
    digests.set(modelPath, { signature, digest });
    return digest;
  } catch (e) {
    throw new ModelUnreadableError(`worker on ${hostname()} cannot read the model ${modelPath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

async function modelFor(ref: ModelRef): Promise<InferenceModel> {
  const digest = await currentDigest(ref.path);
  if (digest !== ref.digest) throw new UserError(`the model ${ref.path} has changed since the batch was enqueued; enqueue the batch again`);
  let model = models.get(digest);
  if (!model) {
    model = openInferenceModel(ref.path, { backend: setup.backend, note: (line) => console.error(line) });
    models.set(digest, model);
    model.catch(() => models.delete(digest));
  }
  return model;
}

/**
 * Deletes temp files that an earlier attempt of this job left beside its outputs when its worker was killed (each
 * process writes under its own temp name), so a finished job leaves exactly its outputs.
 */
async function removeLeftovers(job: SegmentJob & { output: string }): Promise<void> {
  const { mask, probabilities, uncertainty } = outputPaths(job.output, job.options);
  for (const output of [mask, probabilities, uncertainty]) {
    if (!output) continue;
    const prefix = `${path.basename(output)}.tmp-`;
    const names = await readdir(path.dirname(output)).catch(() => [] as string[]);
    await Promise.all(names.filter((n) => n.startsWith(prefix)).map((n) => rm(path.join(path.dirname(output), n), { force: true })));
  }
}

port.on('message', async ({ id, job }: JobRequest) => {
  let reply: JobReply;
  try {
    let engine: string | null = null;
    if (job.kind === 'assemble') await assembleBlocks(job);
    else {
      const model = await modelFor(job.model);
      engine = model.engine;
      if (job.kind === 'block') await segmentBlock(model, job);
      else await segmentFile(model, job.file, job.output, job.options);
    }
    if (job.kind !== 'block') await removeLeftovers(job);
    reply = { id, ok: true, engine };
  } catch (e) {
    reply = { id, ok: false, reason: failureReason(e), retry: !(e instanceof UserError) };
  }
  port.postMessage(reply);
});
