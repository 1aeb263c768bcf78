// ONNX Runtime (onnxruntime-node): the native engine for training steps and forward passes. Its CPU provider
// ships inside the npm package; GPU providers are tried first where the package has them (CUDA on Linux once its
// files are installed, DirectML on Windows, CoreML on macOS). A provider that fails to start falls back to the next,
// saying why. run() blocks its thread, so sessions live in worker threads (jobs/), never on a server's thread.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { OnnxRuntimeReport } from '../api/types.ts';
import { OnnxGraphBuilder } from '../models/onnx/graph-builder.ts';
import { computeThreads } from './threads.ts';

/** Execution providers Segwork knows, in the order automatic choice tries them. */
export const ONNX_PROVIDERS = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type OnnxProvider = (typeof ONNX_PROVIDERS)[number];

/** Never chosen automatically: on machines without a GPU driver it runs on a software adapter. */
const FORCED_ONLY: ReadonlySet<OnnxProvider> = new Set(['webgpu']);

type OnnxProviderReport = OnnxRuntimeReport['providers'][number];

const CUDA_INSTALL_HINT = 'ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js';

let loading: Promise<typeof Ort | null> | null = null;
let loadError = '';

/** onnxruntime-node, loaded once per thread; null (with the reason kept) where it cannot load. */
export function loadOnnxRuntime(): Promise<typeof Ort | null> {
  loading ??= import('onnxruntime-node')
    .then((m) => (m.default ?? m) as typeof Ort)
    .catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      loadError = code === 'ERR_MODULE_NOT_FOUND' ? 'onnxruntime-node is not installed' : `onnxruntime-node failed to load: ${(error as Error).message.split('\n')[0]}`;
      return null;
    });
  return loading;
}

/** The folder holding the native binding and the provider libraries for this platform. */
function bindingDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

function providerReport(ort: typeof Ort, name: OnnxProvider): OnnxProviderReport {
  const supported = ort.listSupportedBackends().find((b) => b.name === name);
  if (!supported) return { name, available: false, reason: `not built into onnxruntime-node for ${process.platform}-${process.arch}` };
  if (name === 'cuda' && !existsSync(path.join(bindingDir(), 'libonnxruntime_providers_cuda.so'))) {
    return { name, available: false, reason: `its libraries are not installed (add them with: ${CUDA_INSTALL_HINT}; needs CUDA 12 and cuDNN 9)` };
  }
  if (name === 'webgpu') return { name, available: true, reason: 'WebGPU through Dawn; used only when forced (onnxruntime-webgpu)' };
  return { name, available: true, reason: name === 'cpu' ? 'bundled (MLAS kernels, AVX2/AVX-512 where the CPU has them)' : 'bundled' };
}

/** What ONNX Runtime offers here; with `verify`, each provider that looks available must also start a session. */
export async function probeOnnxRuntime(verify = false): Promise<OnnxRuntimeReport> {
  const ort = await loadOnnxRuntime();
  if (!ort) return { available: false, reason: loadError, providers: [] };
  const providers: OnnxProviderReport[] = [];
  for (const name of ONNX_PROVIDERS) {
    const report = providerReport(ort, name);
    providers.push(verify && report.available ? await verifyProvider(ort, report) : report);
  }
  return { available: true, reason: `onnxruntime-node ${ort.env.versions.node ?? ''}`.trim(), providers };
}

/** ONNX Runtime's first line without the source location and assertion it starts with ("…/file.cc:129 … was false."). */
function shortMessage(error: unknown): string {
  const line = (error as Error).message.split('\n')[0]!;
  return line.replace(/^\S+\.(cc|cpp|h):\d+ .*? was false\. /, '');
}

/** Starts a session of one Relu on the provider: a missing driver or library shows here, not mid-run. */
async function verifyProvider(ort: typeof Ort, report: OnnxProviderReport): Promise<OnnxProviderReport> {
  const graph = new OnnxGraphBuilder();
  graph.nodeNamed('Relu', ['x'], ['y']);
  const bytes = graph.encode('probe', [{ name: 'x', dims: [1] }], [{ name: 'y', dims: [1] }], {}, 'probe');
  try {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: [report.name], logSeverityLevel: 3 });
    await session.release();
    return report;
  } catch (error) {
    return { ...report, available: false, reason: `failed to start: ${shortMessage(error)}` };
  }
}

/** The provider automatic choice tries first, from a report. */
export function firstAutomaticProvider(report: OnnxRuntimeReport): string | null {
  return report.providers.find((p) => p.available && !FORCED_ONLY.has(p.name as OnnxProvider))?.name ?? null;
}

/** Providers to try for `forced` (one provider) or automatically (available GPU providers, then the CPU). */
async function candidateProviders(ort: typeof Ort, forced?: OnnxProvider): Promise<OnnxProvider[]> {
  if (forced) {
    const report = providerReport(ort, forced);
    if (!report.available) throw new Error(`ONNX Runtime's ${forced} provider is not available: ${report.reason}`);
    return [forced];
  }
  return ONNX_PROVIDERS.filter((p) => !FORCED_ONLY.has(p) && providerReport(ort, p).available);
}

export interface OnnxSession {
  session: Ort.InferenceSession;
  provider: OnnxProvider;
  ort: typeof Ort;
}

/**
 * A session on the first provider that starts. A provider that fails to start is reported through `warn` in
 * one line and the next is tried; the CPU provider's failure (a broken model file) is thrown.
 */
export async function createOnnxSession(model: Uint8Array, options: { provider?: OnnxProvider; warn?: (line: string) => void } = {}): Promise<OnnxSession> {
  const ort = await loadOnnxRuntime();
  if (!ort) throw new Error(`ONNX Runtime is not available: ${loadError}`);
  const candidates = await candidateProviders(ort, options.provider);
  let lastError: unknown = null;
  for (const provider of candidates) {
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [provider],
        intraOpNumThreads: computeThreads(),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
        // Idle pool threads sleep instead of spinning: the workbench keeps several sessions (Predict, a batch, a
        // training step) in as many worker threads, and spinning threads starve each other on a small CPU.
        // Measured on U-Net, batch 4 of 256²: 297–327 ms spinning, 304–314 ms not.
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
      return { session, provider, ort };
    } catch (error) {
      lastError = error;
      const next = candidates[candidates.indexOf(provider) + 1];
      if (next) (options.warn ?? console.error)(`ONNX Runtime's ${provider} provider failed to start (${shortMessage(error)}); using ${next}`);
    }
  }
  throw lastError ?? new Error('ONNX Runtime has no provider to run on');
}
