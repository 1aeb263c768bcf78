// Job events of a workbench, gathered until a training run ends (or a job fails).
import type { JobEvent, SegworkService } from '../../src/api/service.ts';

export function untilTrainingEnds(wb: Pick<SegworkService, 'onJobEvent'>): { events: JobEvent[]; ended: Promise<void> } {
  const events: JobEvent[] = [];
  const ended = new Promise<void>((resolve, reject) =>
    wb.onJobEvent((e) => {
      events.push(e);
      if (e.kind === 'error') reject(new Error(e.message));
      if (e.kind === 'train' && e.event.type === 'end') resolve();
    }),
  );
  return { events, ended };
}
