// A batch as Redis keeps it: which file became which job, which files were already done, and whether it was
// cancelled. The jobs themselves are BullMQ's; this record only groups them, so a job shared by two batches (the
// same work enqueued twice) is one job.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { KEY_PREFIX } from './jobs.ts';

export interface BatchFile {
  /** The file's job id (for a large raster, its assemble job). */
  id: string;
  file: string;
  output: string;
}

export interface BatchRecord {
  id: string;
  created: number;
  model: string;
  outputDir: string;
  /** Files with a job. */
  files: BatchFile[];
  /** Files whose outputs were already there (no job). */
  skipped: { file: string; output: string }[];
  cancelled: boolean;
}

/** Batches are kept as long as their finished jobs (BullMQ removes those after a week). */
export const KEEP_SECONDS = 7 * 24 * 3600;

const keyOf = (id: string) => `${KEY_PREFIX}:batch:${id}`;

export function newBatchId(): string {
  return randomBytes(8).toString('hex');
}

export async function saveBatch(redis: Redis, record: BatchRecord): Promise<void> {
  const key = keyOf(record.id);
  await redis
    .multi()
    .hset(key, { created: String(record.created), model: record.model, outputDir: record.outputDir, files: JSON.stringify(record.files), skipped: JSON.stringify(record.skipped) })
    .expire(key, KEEP_SECONDS)
    .exec();
}

/** The batch, or null when Redis does not have it (a wrong id, or a Redis that lost its data). */
export async function loadBatch(redis: Redis, id: string): Promise<BatchRecord | null> {
  const fields = await redis.hgetall(keyOf(id));
  if (!fields.files) return null;
  return {
    id,
    created: Number(fields.created),
    model: fields.model ?? '',
    outputDir: fields.outputDir ?? '',
    files: JSON.parse(fields.files) as BatchFile[],
    skipped: JSON.parse(fields.skipped ?? '[]') as BatchRecord['skipped'],
    cancelled: fields.cancelled === '1',
  };
}

export async function markCancelled(redis: Redis, id: string): Promise<void> {
  await redis.hset(keyOf(id), 'cancelled', '1');
}

export async function isCancelled(redis: Redis, id: string): Promise<boolean> {
  return (await redis.hget(keyOf(id), 'cancelled')) === '1';
}
