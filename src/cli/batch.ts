import { parse, required } from './args.ts';
import { EXIT_OK, UsageError, type Command } from './command.ts';
import { toJson } from './progress.ts';
import { connectQueue, queueUsage } from './queue-option.ts';

export const batchCommand: Command = {
  usage: `Usage: segwork batch status|cancel BATCH_ID --queue redis://HOST:PORT[/DB] [--json]

status: how many of the batch's files are done, running, waiting or failed, and why each failure failed.
cancel: removes the batch's jobs that have not started; jobs already running finish.

Options:
${queueUsage}
  --json             the answer as one JSON object`,
  async run(argv, io) {
    const { values, positionals } = parse(argv, { queue: { type: 'string' }, json: { type: 'boolean' } }, true);
    const [action, id, ...extra] = positionals;
    if (action !== 'status' && action !== 'cancel') throw new UsageError(`expected status or cancel, got ${action ? `"${action}"` : 'nothing'}`);
    if (!id || extra.length > 0) throw new UsageError('expected one batch id');
    const { redis } = await connectQueue(required(values, 'queue'));
    try {
      const { batchStatus, cancelBatch } = await import('../queue/follow.ts');
      if (action === 'cancel') {
        const result = await cancelBatch(redis, id);
        io.stdout.write(values.json ? toJson({ id, ...result }) + '\n' : `Batch ${id} cancelled: ${result.removed} job(s) removed, ${result.running} still running (they finish).\n`);
        return EXIT_OK;
      }
      const status = await batchStatus(redis, id);
      if (values.json) io.stdout.write(toJson(status) + '\n');
      else {
        const states = Object.entries(status.states).map(([state, n]) => `${n} ${state === 'completed' ? 'done' : state}`).join(', ');
        io.stdout.write(`Batch ${id}${status.cancelled ? ' (cancelled)' : ''}: ${status.total} file(s): ${status.skipped} skipped (already done)${states ? `, ${states}` : ''}.\n`);
        for (const f of status.failures) io.stdout.write(`  failed: ${f.path}: ${f.reason}\n`);
      }
      return EXIT_OK;
    } finally {
      redis.disconnect();
    }
  },
};
