// Messages between the segment pool and its workers.
import type { SegmentOptions } from '../inference/segment-image.ts';

export interface PoolWorkerData {
  modelDir: string;
  /** Backend name for initBackend (undefined: the fastest available). */
  backend?: string;
}

export type PoolRequest = { type: 'segment'; id: number; file: string; output: string; options: Omit<SegmentOptions, 'signal'> };

export type PoolReply =
  | { type: 'ready'; backend: string }
  | { type: 'done'; id: number; seconds: number }
  | { type: 'failed'; id: number; reason: string; seconds: number };
