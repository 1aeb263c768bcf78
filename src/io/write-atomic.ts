// Atomic file writes: a crash or a full disk never leaves a half-written file under the final name.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { InputError } from './raster.ts';

/** Writes `bytes` (or text) to `<file>.tmp-<pid>` then renames it over `file`; creates parent folders. */
export async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const temp = tempPathFor(file);
  try {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(temp, bytes);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw writeError(file, error);
  }
}

/**
 * The name a file is written under before it is renamed into place: beside it, so the rename stays on one disk;
 * a worker thread's own name, so threads of one process never write into each other's temp file.
 */
export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}${threadId ? `-${threadId}` : ''}`;
}

/** A failed write as the user should see it: folder problems and a full disk name the file; anything else as it is. */
export function writeError(file: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'EFBIG') {
    return new InputError(file, `the disk is full or the file is over its size limit (${code}); nothing was written under this name`);
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EEXIST') {
    return new InputError(file, `cannot write in folder ${path.dirname(path.resolve(file))} (${code})`);
  }
  return error;
}
