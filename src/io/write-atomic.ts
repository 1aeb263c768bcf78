// Atomic file writes: a crash or a full disk never leaves a half-written file under the final name.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from './raster.ts';

/** Writes `bytes` (or text) to `<file>.tmp-<pid>` then renames it over `file`; creates parent folders. */
export async function writeAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const temp = `${file}.tmp-${process.pid}`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, bytes);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EEXIST' || code === 'ENOSPC') {
      throw new InputError(file, `cannot write in folder ${dir} (${code})`);
    }
    throw error;
  }
}
