// The --queue option of segment, worker and batch: a Redis URL, checked (parsed, reachable, recent enough) before
// any work, with one clear line when it is not.
import type { Redis } from 'ioredis';
import { InputError } from '../api/errors.ts';
import { UsageError } from './command.ts';

export const queueUsage = `  --queue URL        the Redis of the job queue: redis://HOST:PORT[/DB] (rediss:// for TLS)`;

/** Parses and checks the URL, then opens the connection the command keeps; close it with disconnect(). */
export async function connectQueue(url: string) {
  const { checkRedis, openRedis, parseQueueUrl } = await import('../queue/connection.ts');
  let address;
  try {
    address = parseQueueUrl(url);
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(`--queue ${e.message}`);
    throw e;
  }
  await checkRedis(address);
  const redis: Redis = openRedis(address);
  return { address, redis };
}
