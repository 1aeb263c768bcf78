// How every long job (training, pre-training, batch segmentation) ends, in the workbench and the CLI alike: done,
// cancelled or failed. Cancelling never throws work away: a job asked to stop returns its partial result (the epochs
// trained and saved, the files segmented, the encoder so far) and ends 'cancelled' with it.
import { CancelledError } from '../api/errors.ts';

export type JobEnd<R> =
  | { status: 'done'; result: R }
  /** `result` is null only when the job was cancelled before it had anything to give back. */
  | { status: 'cancelled'; result: R | null }
  | { status: 'failed'; error: Error };

/** How a job's result settled: cancelled whenever a cancel was asked for before it ended, failed if it threw otherwise. */
export async function settleJob<R>(result: Promise<R>, cancelRequested: () => boolean): Promise<JobEnd<R>> {
  try {
    const value = await result;
    return cancelRequested() ? { status: 'cancelled', result: value } : { status: 'done', result: value };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    if (cancelRequested() && error instanceof CancelledError) return { status: 'cancelled', result: null };
    return { status: 'failed', error };
  }
}
