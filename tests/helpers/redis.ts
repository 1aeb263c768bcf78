// A private redis-server for a test (scripts/local-redis.ts), stopped when the test ends. Tests skip with the
// reason only when no redis-server can be started here (or the Redis client library is missing).
import type { TestContext } from 'node:test';
import { startLocalRedis, type LocalRedis } from '../../scripts/local-redis.ts';
import { tempDir } from './tmp.ts';

/** Starts redis-server (with an append-only file when `persist`), or skips the test with why it could not. */
export async function startRedis(t: TestContext, options: { persist?: boolean } = {}): Promise<LocalRedis | null> {
  try {
    await import('ioredis');
  } catch {
    t.skip('the ioredis package is not installed: queue tests skipped');
    return null;
  }
  let redis: LocalRedis;
  try {
    redis = await startLocalRedis(tempDir(t, 'segwork-redis-'), options);
  } catch (e) {
    t.skip(`${(e as Error).message}: queue tests skipped`);
    return null;
  }
  t.after(redis.stop);
  return redis;
}
