// Temp files (`NAME.tmp-PID[-THREAD]`, see write-atomic.ts) whose process has died: a kill -9 between writing and
// renaming leaves them behind, and the next run in that folder clears them away.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

const TEMP_NAME = /\.tmp-(\d+)(?:-\d+)?$/;

/** Whether a process with this id is running on this machine (EPERM: it is, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temp files in dir (not below it) left by processes that no longer run; a missing dir has none. */
export async function removeStaleTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const pid = TEMP_NAME.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) await rm(path.join(dir, name), { force: true });
  }
}
