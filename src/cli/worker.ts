import os from 'node:os';
import { intOption, parse, required } from './args.ts';
import { forwardBackendUsage } from './backend-option.ts';
import { EXIT_OK, type Command } from './command.ts';
import { toJson } from './progress.ts';
import { connectQueue, queueUsage } from './queue-option.ts';

export const workerCommand: Command = {
  usage: `Usage: segwork worker --queue redis://HOST:PORT[/DB] [options]

Takes segmentation jobs from the queue (put there by segwork segment --queue) until stopped, on any machine
that sees the same paths as the machine that queued them (a shared file system or mount). Each model is loaded
once and kept; a job whose model this machine cannot read is handed back with the reason. Ctrl-C stops taking
jobs and finishes the ones in progress; a second Ctrl-C quits at once, and those jobs go to another worker once
their lock expires (--lock-seconds).

Options:
${queueUsage}
  --concurrency N    jobs at once, each in its own thread (default 1; threads share the cores)
  --lock-seconds S   a job's lock: a worker that dies mid-job hands it to another after about S seconds
                     (default 30)
${forwardBackendUsage}
  --json             one JSON line per finished or failed job`,
  interrupt: 'Finishing the jobs in progress, then stopping (Ctrl-C again to quit at once; they then go to another worker)…',
  async run(argv, io) {
    const { values } = parse(argv, {
      queue: { type: 'string' },
      concurrency: { type: 'string' },
      'lock-seconds': { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    });
    const concurrency = intOption(values, 'concurrency', 1, 1);
    const lockSeconds = intOption(values, 'lock-seconds', 30, 1);
    const { address, redis } = await connectQueue(required(values, 'queue'));
    redis.disconnect();
    const { runWorker } = await import('../queue/worker.ts');
    const log = (line: string) => io.stderr.write(values.json ? toJson({ type: 'job', line }) + '\n' : line + '\n');
    io.stderr.write(`Worker ${os.hostname()}:${process.pid} on ${address.host}:${address.port}, ${concurrency} job(s) at once; Ctrl-C to stop.\n`);
    const counts = await runWorker(address, { concurrency, lockSeconds, signal: io.signal, log, ...(values.backend ? { backend: values.backend } : {}) });
    io.stdout.write(values.json ? toJson({ type: 'summary', ...counts }) + '\n' : `${counts.done} job(s) done, ${counts.failed} failed.\n`);
    return EXIT_OK;
  },
};
