// Lets a wasm kernel compose other wasm kernels on raw TensorInfos, and frees every intermediate it made.
import * as tf from '@tensorflow/tfjs';

type Attrs = Record<string, unknown>;

/** Runs registered wasm kernels on TensorInfos and disposes the intermediates; call `dispose()` in a finally. */
export class KernelScope {
  private readonly intermediates: tf.TensorInfo[] = [];

  constructor(readonly backend: tf.KernelBackend) {}

  /** Runs the wasm kernel `name` and tracks its output for disposal (Pack and Concat take an array of inputs). */
  run(name: string, inputs: Record<string, tf.TensorInfo> | tf.TensorInfo[], attrs: Attrs = {}): tf.TensorInfo {
    const kernel = tf.getKernel(name, 'wasm');
    if (kernel == null) throw new Error(`wasm kernel '${name}' is not registered`);
    const out = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend: this.backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
    this.intermediates.push(out);
    return out;
  }

  /** Reshape without copying (wasm shares the buffer and counts references). */
  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Zero padding with [before, after] per axis; negative amounts crop. Returns x itself when nothing changes. */
  padOrCrop(x: tf.TensorInfo, amounts: Array<[number, number]>): tf.TensorInfo {
    let result = x;
    if (amounts.some(([b, a]) => b > 0 || a > 0)) {
      result = this.run('PadV2', { x: result }, { paddings: amounts.map(([b, a]) => [Math.max(b, 0), Math.max(a, 0)]), constantValue: 0 });
    }
    if (amounts.some(([b, a]) => b < 0 || a < 0)) {
      const begin = amounts.map(([b]) => Math.max(-b, 0));
      const size = result.shape.map((n, i) => n - begin[i] - Math.max(-amounts[i][1], 0));
      result = this.run('Slice', { x: result }, { begin, size });
    }
    return result;
  }

  /** Stops tracking `out` so it survives `dispose()`; use for the kernel's return value. */
  keep(out: tf.TensorInfo): tf.TensorInfo {
    const index = this.intermediates.lastIndexOf(out);
    if (index >= 0) this.intermediates.splice(index, 1);
    return out;
  }

  /** Frees every intermediate still tracked. */
  dispose(): void {
    for (const info of this.intermediates) this.backend.disposeData(info.dataId);
    this.intermediates.length = 0;
  }
}

/** The argument every kernelFunc receives. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The wasm backend's own methods that kernels writing the heap directly use, beyond KernelBackend. */
export interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
  incRef(dataId: tf.DataId): void;
}

/** The kernel's backend as the wasm backend it is. */
export function wasmHeap(args: KernelArgs): WasmHeapBackend {
  return args.backend as unknown as WasmHeapBackend;
}

/** Returns the named kernel input, or throws naming the kernel and the input. */
export function requireInput(args: KernelArgs, kernelName: string, inputName: string): tf.TensorInfo {
  const input = args.inputs[inputName];
  if (input == null) throw new Error(`${kernelName}: input '${inputName}' is missing`);
  return input;
}
