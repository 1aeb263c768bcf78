// The Redis behind a queue: one URL (redis://[:PASSWORD@]HOST:PORT[/DB]) gives the connections BullMQ needs.
// A bad URL, an unreachable server and a too-old Redis each fail with one clear line, before any work is queued.
import { Redis, type RedisOptions } from 'ioredis';
import { InputError } from '../api/errors.ts';

/** BullMQ's own floor; older servers lack the commands its scripts use. */
const MINIMUM_REDIS = [5, 0, 0];
/** How long the first connection may take before the server counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5000;

export interface QueueAddress {
  /** The URL as given, for messages. */
  url: string;
  host: string;
  port: number;
  db: number;
  password?: string;
  username?: string;
  tls: boolean;
}

/** Parses redis://HOST:PORT[/DB] (rediss:// for TLS); a URL that is not one is an InputError naming it. */
export function parseQueueUrl(url: string): QueueAddress {
  const bad = (problem: string) => new InputError(url, `${problem}; expected redis://HOST:PORT[/DB]`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('is not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw bad(`has scheme ${parsed.protocol.replace(/:$/, '')}, not redis`);
  if (!parsed.hostname) throw bad('has no host');
  const port = parsed.port ? Number(parsed.port) : 6379;
  const dbText = parsed.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw bad(`has database "${dbText}", not a number`);
  return {
    url,
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    db,
    tls: parsed.protocol === 'rediss:',
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
  };
}

function redisOptions(address: QueueAddress): RedisOptions {
  return {
    host: address.host,
    port: address.port,
    db: address.db,
    ...(address.password ? { password: address.password } : {}),
    ...(address.username ? { username: address.username } : {}),
    ...(address.tls ? { tls: {} } : {}),
    connectTimeout: CONNECT_TIMEOUT_MS,
    // BullMQ's blocking commands need requests to wait through a reconnect instead of failing.
    maxRetriesPerRequest: null,
  };
}

/**
 * Connects once without retrying and checks the server's version: a server that is not there, refuses the password
 * or is older than BullMQ supports fails here with the reason, instead of as a hang or a script error later.
 */
export async function checkRedis(address: QueueAddress): Promise<string> {
  const probe = new Redis({ ...redisOptions(address), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  let lastError: NodeJS.ErrnoException | null = null;
  probe.on('error', (e: NodeJS.ErrnoException) => (lastError ??= e));
  try {
    await probe.connect();
    const info = await probe.info('server');
    const version = /redis_version:([\d.]+)/.exec(info)?.[1] ?? '0';
    if (olderThan(version.split('.').map(Number), MINIMUM_REDIS)) throw new QueueUnavailableError(`Redis at ${address.host}:${address.port} is version ${version}; the queue needs Redis ${MINIMUM_REDIS.join('.')} or newer`);
    return version;
  } catch (e) {
    if (e instanceof QueueUnavailableError) throw e;
    const err = lastError ?? (e as NodeJS.ErrnoException);
    throw new QueueUnavailableError(`cannot reach Redis at ${address.host}:${address.port} (${err.code ?? err.message}); is redis-server running there?`);
  } finally {
    probe.disconnect();
  }
}

function olderThan(version: number[], minimum: number[]): boolean {
  for (let i = 0; i < minimum.length; i++) {
    const part = version[i] ?? 0;
    if (part !== minimum[i]) return part < minimum[i]!;
  }
  return false;
}

/** A long-lived connection for BullMQ: requests wait through reconnects (the callers decide how long to wait). */
export function openRedis(address: QueueAddress): Redis {
  const redis = new Redis(redisOptions(address));
  // Connection errors are retried by ioredis and surface as slow requests; without a listener they would crash.
  redis.on('error', () => {});
  return redis;
}

/** Redis cannot be reached, was lost, or cannot run the queue: infrastructure, not the user's input. */
export class QueueUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueueUnavailableError';
  }
}
