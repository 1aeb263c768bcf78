// Chooses the tfjs backend (fastest first), loads the optional ones lazily, and reports what is available.
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { BackendName, BackendReport, DoctorReport } from '../api/types.ts';
import { registerCpuKernelFixes } from './cpu-kernels.ts';
import { firstAutomaticProvider, loadOnnxRuntime, ONNX_PROVIDERS, probeOnnxRuntime, type OnnxProvider } from './onnxruntime.ts';
import { registerWasmTrainingKernels } from './wasm-kernels/index.ts';
import { registerThreadedWasm, wasmThreadCount } from './wasm-threads.ts';
import { surveyWebgpuAdapter } from './webgpu-survey.ts';

/** Every tfjs backend Segwork knows, fastest first. */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/** ONNX Runtime for training steps and forward passes: any provider, or one forced (onnxruntime-cpu, …). */
const ONNX_CHOICES = ['onnxruntime', ...ONNX_PROVIDERS.map((p) => `onnxruntime-${p}`)];

/** What --backend and SEGWORK_BACKEND accept. */
export const COMPUTE_CHOICES: readonly string[] = [...ONNX_CHOICES, ...BACKEND_NAMES];

registerCpuKernelFixes();

// tfjs prints "Hi there 👋 … install tfjs-node" and similar hints in Node; prod mode only silences logging.
tf.enableProdMode();

interface Probe extends BackendReport {
  /** The tfjs backend name to activate (tfjs-node registers itself as 'tensorflow'). */
  tfjsName: string;
  /** True for a software WebGPU adapter (SwiftShader, llvmpipe): works, but never chosen automatically. */
  software?: boolean;
  /** Work to do in this process before the backend is activated. */
  prepare?: () => Promise<void>;
}

const probes = new Map<BackendName, Promise<Probe>>();
let active: BackendName | null = null;

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function probeTensorflow(): Promise<Probe> {
  const reasons: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (tf.findBackend('tensorflow') == null) throw new Error('it loaded but registered no "tensorflow" backend');
      return { name: 'tensorflow', available: true, reason: `${pkg} (libtensorflow)`, tfjsName: 'tensorflow' };
    } catch (error) {
      reasons.push(isModuleNotFound(error) ? `${pkg} is not installed` : `${pkg} failed to load: ${messageOf(error)}`);
    }
  }
  return { name: 'tensorflow', available: false, reason: reasons.join('; '), tfjsName: 'tensorflow' };
}

async function probeWebgpu(): Promise<Probe> {
  const unavailable = (reason: string): Probe => ({ name: 'webgpu', available: false, reason, tfjsName: 'webgpu' });
  const survey = surveyWebgpuAdapter();
  if (!survey.loaded) return unavailable(survey.error === 'not installed' ? 'the webgpu package (Dawn) is not installed' : `Dawn failed to load: ${survey.error}`);
  if (survey.adapter == null) return unavailable('no WebGPU adapter (no Vulkan/Metal/D3D12 GPU driver found)');
  const { name } = survey.adapter;
  const software = survey.adapter.fallback || /swiftshader|llvmpipe|lavapipe|software|\bcpu\b/i.test(name);
  const reason = software ? `adapter ${name}: a CPU (software) adapter, slower than wasm; used only when forced` : `adapter ${name}`;
  return { name: 'webgpu', available: true, reason, tfjsName: 'webgpu', software, prepare: prepareWebgpu };
}

/** Loads Dawn in this process and registers tfjs's webgpu backend on it (only when WebGPU is going to be used). */
async function prepareWebgpu(): Promise<void> {
  const { create, globals } = await import('webgpu');
  const scope = globalThis as unknown as { navigator?: { gpu?: unknown } };
  Object.assign(globalThis, globals);
  scope.navigator ??= {};
  scope.navigator.gpu ??= create([]);
  await import('@tensorflow/tfjs-backend-webgpu');
}

async function probeWasm(): Promise<Probe> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    wasm.setWasmPaths(dist + path.sep);
    // The package's own threaded loader needs browser workers; wasm-threads.ts loads that build for Node instead.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    registerWasmTrainingKernels();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = simd ? wasmThreadCount() : 1;
    if (threads > 1) registerThreadedWasm(threads);
    const threading = threads > 1 ? `${threads} threads (SEGWORK_THREADS)` : 'single thread';
    return { name: 'wasm', available: true, reason: `XNNPACK, ${simd ? 'SIMD' : 'no SIMD'}, ${threading}, with Segwork's training kernels`, tfjsName: 'wasm' };
  } catch (error) {
    return { name: 'wasm', available: false, reason: `@tensorflow/tfjs-backend-wasm failed to load: ${messageOf(error)}`, tfjsName: 'wasm' };
  }
}

function probeCpu(): Promise<Probe> {
  return Promise.resolve({ name: 'cpu', available: true, reason: 'plain JavaScript (slowest, always works)', tfjsName: 'cpu' });
}

const probeFunctions: Record<BackendName, () => Promise<Probe>> = {
  tensorflow: probeTensorflow,
  webgpu: probeWebgpu,
  wasm: probeWasm,
  cpu: probeCpu,
};

/** Probes one backend once per process; later calls return the cached result. */
function probe(name: BackendName): Promise<Probe> {
  let result = probes.get(name);
  if (result == null) {
    result = probeFunctions[name]();
    probes.set(name, result);
  }
  return result;
}

function toReport({ name, available, reason }: Probe): BackendReport {
  return { name, available, reason };
}

/** Reports every backend, fastest first, with whether it can run here and why (loads optional packages, activates none). */
export async function probeBackends(): Promise<BackendReport[]> {
  const reports: BackendReport[] = [];
  for (const name of BACKEND_NAMES) reports.push(toReport(await probe(name)));
  return reports;
}

/** The user's request (--backend, else SEGWORK_BACKEND), checked against every name Segwork knows. */
function requestedChoice(forced?: string): { name: string; origin: string } | null {
  const envChoice = process.env.SEGWORK_BACKEND;
  const requested = forced ?? (envChoice ? envChoice : undefined);
  if (requested == null) return null;
  const origin = forced != null ? '--backend' : 'SEGWORK_BACKEND';
  const name = requested.trim().toLowerCase();
  if (!COMPUTE_CHOICES.includes(name)) throw new Error(`Unknown backend '${requested}' (${origin}); valid backends: ${COMPUTE_CHOICES.join(', ')}`);
  return { name, origin };
}

const isOnnxChoice = (name: string) => ONNX_CHOICES.includes(name);

async function chooseAutomatically(): Promise<Probe> {
  for (const name of BACKEND_NAMES) {
    const result = await probe(name);
    if (result.available && !result.software) return result;
  }
  return probe('cpu');
}

/**
 * Activates the tfjs backend `forced` (or env SEGWORK_BACKEND) names, else the fastest available one; cheap when
 * called again. With an ONNX Runtime choice, the tfjs work that remains (pre-training, CAM, a model the training
 * compiler cannot build) gets the fastest tfjs backend.
 */
export async function initBackend(forced?: string): Promise<BackendName> {
  const requested = requestedChoice(forced);
  let choice: Probe;
  if (requested != null && !isOnnxChoice(requested.name)) {
    choice = await probe(requested.name as BackendName);
    if (!choice.available) throw new Error(`Backend '${choice.name}' (${requested.origin}) is not available: ${choice.reason}`);
  } else {
    choice = await chooseAutomatically();
  }
  if (active === choice.name && tf.getBackend() === choice.tfjsName) return choice.name;
  await choice.prepare?.();
  if (!(await tf.setBackend(choice.tfjsName))) {
    throw new Error(`Backend '${choice.name}' failed to initialise (${choice.reason})`);
  }
  await tf.ready();
  active = choice.name;
  return choice.name;
}

/** Which engine runs forward passes and training steps: ONNX Runtime, with a forced provider or not, or tfjs. */
export type EngineChoice = { kind: 'onnxruntime'; provider?: OnnxProvider } | { kind: 'tfjs' };

/**
 * ONNX Runtime when it loads, unless a tfjs backend is forced; a forced ONNX Runtime that cannot load is an
 * error, not a silent fallback.
 */
export async function chooseEngine(forced?: string): Promise<EngineChoice> {
  const requested = requestedChoice(forced);
  if (requested != null && !isOnnxChoice(requested.name)) return { kind: 'tfjs' };
  const ort = await loadOnnxRuntime();
  if (requested == null) return ort ? { kind: 'onnxruntime' } : { kind: 'tfjs' };
  if (!ort) throw new Error(`Backend '${requested.name}' (${requested.origin}) is not available: ${(await probeOnnxRuntime()).reason}`);
  const provider = requested.name.slice('onnxruntime-'.length) as OnnxProvider;
  return provider ? { kind: 'onnxruntime', provider } : { kind: 'onnxruntime' };
}

/** Probes every backend and ONNX Runtime's providers, activates the tfjs backend Segwork would use, and describes the runtime. */
export async function doctor(): Promise<DoctorReport> {
  const backends = await probeBackends();
  const chosen = await initBackend();
  const onnxruntime = await probeOnnxRuntime(true);
  const choice = await chooseEngine();
  const engine = choice.kind === 'onnxruntime' ? `onnxruntime (${choice.provider ?? firstAutomaticProvider(onnxruntime) ?? 'cpu'})` : chosen;
  return { chosen, engine, backends, onnxruntime, node: process.version, platform: `${process.platform}-${process.arch}` };
}
