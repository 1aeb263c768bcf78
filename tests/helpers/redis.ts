// A private redis-server for a test: on a free port, in a temp folder, stopped when the test ends. Tests skip with
// the reason only when no redis-server can be started here (or the Redis client library is missing).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as net from 'node:net';
import type { TestContext } from 'node:test';
import { tempDir } from './tmp.ts';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM; with persistence it writes its append-only file first). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
}

const SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p)) ?? 'redis-server';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      resolve(String(d).startsWith('+PONG'));
      socket.destroy();
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      resolve(false);
      socket.destroy();
    });
  });
}

/** Starts redis-server (with an append-only file when `persist`), or skips the test with why it could not. */
export async function startRedis(t: TestContext, options: { persist?: boolean } = {}): Promise<TestRedis | null> {
  try {
    await import('ioredis');
  } catch {
    t.skip('the ioredis package is not installed: queue tests skipped');
    return null;
  }
  const dir = tempDir(t, 'segwork-redis-');
  const port = await freePort();
  let child: ChildProcess | null = null;
  let failure = '';
  const start = async () => {
    const persistence = options.persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    child = spawn(SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence], { stdio: 'ignore' });
    child.on('error', (e) => (failure = e.message));
    for (let i = 0; i < 100 && !failure; i++) {
      if (await answersPing(port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server did not start on port ${port}${failure ? `: ${failure}` : ''}`);
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.on('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };
  try {
    await start();
  } catch (e) {
    await stop();
    t.skip(`${(e as Error).message}: queue tests skipped`);
    return null;
  }
  t.after(stop);
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
