// Multi-threaded XNNPACK for the wasm backend under Node. tfjs-backend-wasm only loads its threaded build in
// browsers: it starts pthread workers from blob: URLs (Node's Worker refuses them) and hands them the main
// script as a Blob. Here the 'wasm' backend is re-registered with the same threaded build, loaded from disk:
// workers start from wasm-pthread-worker.cjs and read the main script by path. Kernels stay registered under
// 'wasm', so every kernel (ours included) runs unchanged.
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { computeThreads } from './threads.ts';

const require = createRequire(import.meta.url);
const THREADED = 'tfjs-backend-wasm-threaded-simd';
/** The build pre-starts 8 pthread workers and caps its pool there. */
export const MAX_WASM_THREADS = 8;
// Same priority as the package's own registration, so automatic choice is unchanged.
const WASM_PRIORITY = 2;

interface EmscriptenModule {
  PThread: { runningWorkers: Array<{ unref(): void }> };
  cwrap(name: string, returns: string | null, args: string[]): (...args: number[]) => number;
  tfjs?: Record<string, (...args: number[]) => number>;
}
type ModuleFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

let registeredThreads: number | null = null;
let xnnFailure: string | null = null;

/** Notes a line the native code printed: XNNPACK reports a failed operator only this way, and carries on. */
export function noteNativeOutput(text: string): void {
  if (/XNN status .* not successful/.test(text)) xnnFailure ??= text.trim();
}

const OUT_OF_MEMORY = 'the WebAssembly heap (4 GB at most) is full; lower the batch size or the patch/tile size';

/** XNNPACK could not create or run an operator; `report` is its own line, `during` says what was running. */
class XnnFailure extends Error {
  constructor(readonly report: string, readonly during: string) {
    const cause = / status 6\b/.test(report) ? `: ${OUT_OF_MEMORY}` : '';
    super(`the wasm backend failed during ${during}${cause} (${report})`);
  }
}

/**
 * Throws if XNNPACK reported a failure since the last check, then forgets it. After a failed operator tfjs returns
 * an output it never wrote, and the work would go on with garbage; status 6 is out of memory.
 */
export function throwIfXnnFailed(during: string): void {
  const failure = xnnFailure;
  xnnFailure = null;
  if (failure != null) throw new XnnFailure(failure, during);
}

/**
 * Runs one step of backend work; the wasm backend failing inside it (an emscripten abort, most often a failed
 * allocation, or a failed XNNPACK operator) becomes one error that names the step. Other backends pass through.
 */
export async function checkedStep<T>(during: string, step: () => Promise<T>): Promise<T> {
  let value: T;
  try {
    value = await step();
  } catch (error) {
    if (error instanceof XnnFailure) throw new XnnFailure(error.report, `${during}, in ${error.during}`);
    const message = (error as Error).message;
    if (/^Aborted\(/.test(message)) throw new Error(`the wasm backend aborted during ${during}, most often because ${OUT_OF_MEMORY} (${message})`);
    throw error;
  }
  throwIfXnnFailed(during);
  return value;
}

/** Threads to use: SEGWORK_THREADS, else every core, at most 8. */
export function wasmThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  return Math.min(computeThreads(env), MAX_WASM_THREADS);
}

async function instantiateThreaded(threads: number): Promise<EmscriptenModule> {
  const factory = require(`@tensorflow/tfjs-backend-wasm/wasm-out/${THREADED}.js`) as ModuleFactory;
  const mainScript = require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${THREADED}.js`);
  const wasmBinary = require.resolve(`@tensorflow/tfjs-backend-wasm/dist/${THREADED}.wasm`);
  const workerScript = fileURLToPath(new URL('./wasm-pthread-worker.cjs', import.meta.url));
  // The C side caps its pool at (logical cores / 2), assuming hyper-threads, and reads the core count through
  // os.cpus() once, while the module initialises; report 2 per wanted thread for that moment only.
  const realCpus = os.cpus;
  const oneCpu = realCpus()[0];
  os.cpus = () => Array.from({ length: 2 * threads }, () => oneCpu);
  try {
    return await factory({
      locateFile: (file: string, prefix: string) =>
        file.endsWith('.worker.js') ? workerScript : file.endsWith('.wasm') ? wasmBinary : prefix + file,
      mainScriptUrlOrBlob: mainScript,
      print: (text: string) => (noteNativeOutput(text), console.log(text)),
      printErr: (text: string) => (noteNativeOutput(text), console.error(text)),
    });
  } finally {
    os.cpus = realCpus;
  }
}

/** The backend object if it is already initialised; unlike tf.findBackend, never starts one. */
function initialisedBackend(name: string): unknown {
  return (tf.engine() as unknown as { registry: Record<string, unknown> }).registry[name] ?? null;
}

/**
 * Replaces the 'wasm' backend factory with the threaded build running `threads` XNNPACK threads.
 * Call before the backend is first activated; later calls do nothing.
 */
export function registerThreadedWasm(threads: number): void {
  if (registeredThreads != null) return;
  if (initialisedBackend('wasm') != null) throw new Error('registerThreadedWasm: the wasm backend was already initialised');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', async () => {
    const module = await instantiateThreaded(threads);
    // The same bridge the package's init() builds.
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    setThreadsCount(threads);
    const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
    // XNNPACK's pool threads wait for work forever and emscripten keeps their workers referenced, which would
    // keep every process alive after its work is done; the pool is driven synchronously from this thread.
    for (const worker of module.PThread.runningWorkers) worker.unref();
    return backend;
  }, WASM_PRIORITY);
  registeredThreads = threads;
}

/** XNNPACK threads of the active wasm backend (1 for the single-threaded build). */
export function activeWasmThreads(): number {
  const backend = initialisedBackend('wasm') as { wasm?: EmscriptenModule } | null;
  return backend?.wasm?.tfjs?.getThreadsCount() ?? 1;
}
