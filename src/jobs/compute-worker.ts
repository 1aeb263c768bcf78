// The main thread's handle on one compute worker thread: typed calls that resolve with the job's result,
// progress events on the way, and cancellation.
import { Worker } from 'node:worker_threads';
import { fromErrorPayload } from '../api/errors.ts';
import type { BatchEvent, TrainEvent } from '../api/types.ts';
import type { FromWorker, JobRequest, JobResults, PretrainProgress } from './protocol.ts';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onTrainEvent?: (event: TrainEvent) => void;
  onBatchEvent?: (event: BatchEvent) => void;
  onPretrainEvent?: (event: PretrainProgress) => void;
}

export interface CallHandlers {
  onTrainEvent?: (event: TrainEvent) => void;
  onBatchEvent?: (event: BatchEvent) => void;
  onPretrainEvent?: (event: PretrainProgress) => void;
}

export class ComputeWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;

  constructor(private readonly backend?: string) {
    // workerData must be an object: geotiff's web-worker dependency destructures it in any non-main thread.
    this.worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: {} });
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.failAll(new Error(`compute worker stopped (exit code ${code})`));
    });
  }

  /** Starts a job; returns its id (for cancel) and the promise of its result. */
  start<K extends JobRequest['kind']>(request: Extract<JobRequest, { kind: K }>, handlers: CallHandlers = {}): { id: number; result: Promise<JobResults[K]> } {
    if (this.exited) throw new Error('compute worker has stopped');
    const id = this.nextId++;
    const result = new Promise<JobResults[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...handlers });
    });
    this.worker.postMessage({ type: 'run', id, request, ...(this.backend ? { backend: this.backend } : {}) });
    return { id, result };
  }

  call<K extends JobRequest['kind']>(request: Extract<JobRequest, { kind: K }>, handlers: CallHandlers = {}): Promise<JobResults[K]> {
    return this.start(request, handlers).result;
  }

  cancel(id: number): void {
    this.worker.postMessage({ type: 'cancel', id });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private receive(message: FromWorker): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    switch (message.type) {
      case 'train-event':
        pending.onTrainEvent?.(message.event);
        break;
      case 'batch-event':
        pending.onBatchEvent?.(message.event);
        break;
      case 'pretrain-event':
        pending.onPretrainEvent?.(message.event);
        break;
      case 'result':
        this.pending.delete(message.id);
        pending.resolve(message.value);
        break;
      case 'error':
        this.pending.delete(message.id);
        pending.reject(fromErrorPayload(message.error));
        break;
    }
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
