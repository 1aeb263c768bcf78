// Messages between a queue worker's main thread (BullMQ, lock renewals) and its job threads (models, pixels).
import type { SegmentJob } from './jobs.ts';

export interface JobThreadData {
  /** Backend name for openInferenceModel (undefined: the fastest available). */
  backend?: string;
}

export type JobRequest = { id: number; job: SegmentJob };

/** A failed job says whether trying again could help: a bad input or a changed model never will. */
export type JobReply = { id: number; ok: true; engine: string | null } | { id: number; ok: false; reason: string; retry: boolean };
