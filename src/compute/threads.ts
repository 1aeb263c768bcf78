// How many threads one process's compute may use, whichever engine runs it (wasm's XNNPACK, ONNX Runtime).
// The segment pool sets SEGWORK_THREADS per worker to cores ÷ workers, so threads never outnumber cores.
import os from 'node:os';

/** SEGWORK_THREADS, else every core. */
export function computeThreads(env: NodeJS.ProcessEnv = process.env): number {
  const requested = env.SEGWORK_THREADS;
  if (requested == null || requested === '') return os.availableParallelism();
  const n = Number(requested);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SEGWORK_THREADS must be a positive integer, got '${requested}'`);
  return n;
}
