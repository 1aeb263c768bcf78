// A real `segwork serve` (its own process) probed over raw HTTP: every route wants the token, foreign Host and Origin
// are refused, bodies have a size limit, slow and half-open connections are dropped, arguments are checked, and 200
// requests at once are all answered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { ensureRendererBuilt, REPO_ROOT, removeDir, startServe, tempDir, type Served } from './harness.ts';

let dir: string;
let served: Served;
let asset: string;

before(async () => {
  ensureRendererBuilt();
  asset = `/assets/${readdirSync(path.join(REPO_ROOT, 'renderer', 'dist', 'assets'))[0]}`;
  dir = tempDir('segwork-e2e-serve-');
  served = await startServe(path.join(dir, 'workspace'));
});

after(async () => {
  await served?.stop();
  if (dir) removeDir(dir);
});

interface Reply {
  status: number;
  body: string;
}

function request(pathAndQuery: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: served.port, path: pathAndQuery, method: options.method ?? 'GET', headers: { host: `127.0.0.1:${served.port}`, ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        // The event stream never ends by itself: its status is enough.
        if (res.headers['content-type']?.startsWith('text/event-stream')) {
          resolve({ status: res.statusCode ?? 0, body: '' });
          req.destroy();
        }
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const api = (method: string, args: unknown[], headers: Record<string, string> = {}) =>
  request(`/api/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-segwork-token': served.token, ...headers }, body: JSON.stringify(args) });

test('every route, static, API and events, wants the token', async () => {
  const routes: [string, string][] = [['GET', '/'], ['GET', asset], ['POST', '/api/listProjects'], ['GET', '/api/events']];
  for (const [method, route] of routes) {
    assert.equal((await request(route, { method })).status, 403, `${method} ${route} without a token`);
    assert.equal((await request(route, { method, headers: { 'x-segwork-token': 'x'.repeat(32) } })).status, 403, `${method} ${route} with a wrong token`);
    assert.equal((await request(route, { method, headers: { 'x-segwork-token': served.token } })).status, 200, `${method} ${route} with the token`);
  }
});

test('a foreign Host or Origin is refused on every route, token or not', async () => {
  for (const route of ['/', asset, '/api/events']) {
    assert.equal((await request(route, { headers: { 'x-segwork-token': served.token, host: `evil.example:${served.port}` } })).status, 421, route);
    assert.equal((await request(route, { headers: { 'x-segwork-token': served.token, origin: 'http://evil.example' } })).status, 403, route);
  }
  assert.equal((await api('listProjects', [], { origin: `http://127.0.0.1:${served.port + 1}` })).status, 403);
});

/** Sends headers declaring a body of `length` bytes and only a little of it; resolves with the status line. */
function declareBody(length: number, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(served.port, '127.0.0.1', () => {
      const lines = [`POST /api/uploadImage HTTP/1.1`, `Host: 127.0.0.1:${served.port}`, `Content-Length: ${length}`, 'Content-Type: application/json', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      socket.write(lines.join('\r\n') + '\r\n\r\n' + '[1,"a.png","');
    });
    let text = '';
    socket.on('data', (c) => {
      text += c.toString();
      if (text.includes('\r\n')) {
        resolve(text.split('\r\n')[0]!);
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.setTimeout(10_000, () => reject(new Error('no answer within 10 s: the body was being waited for')));
  });
}

test('a body over the limit is a 413 at once, and a token-less body is refused before it is read', async () => {
  assert.match(await declareBody(600 * 1024 * 1024, { 'x-segwork-token': served.token }), /^HTTP\/1\.1 413 /);
  assert.match(await declareBody(100 * 1024 * 1024, {}), /^HTTP\/1\.1 403 /);
});

/** Opens a connection, sends `text`, and resolves with how many ms passed until the server closed it. */
function closedAfter(text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(served.port, '127.0.0.1', () => socket.write(text));
    socket.on('data', () => undefined);
    socket.on('close', () => resolve(Date.now() - started));
    socket.on('error', () => undefined);
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept the connection open for 30 s'));
    }, 30_000);
  });
}

test('half-open and slow connections are dropped after the headers timeout', async () => {
  const [silent, slowHeaders] = await Promise.all([closedAfter(''), closedAfter(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${served.port}\r\n`)]);
  for (const ms of [silent, slowHeaders]) assert.ok(ms >= 9_000 && ms < 20_000, `closed after ${ms} ms`);
  assert.equal((await api('listProjects', [])).status, 200, 'the server still answers');
});

test('a wrong, negative, huge or missing argument is a 400 naming it; an unknown id a 404', async () => {
  const png = new PNG({ width: 4, height: 4 });
  const project = JSON.parse((await api('createProject', ['Args', [{ name: 'a', color: '#000000' }, { name: 'b', color: '#ffffff' }]])).body).result as { id: number };
  const image = JSON.parse((await api('uploadImage', [project.id, 'a.png', PNG.sync.write(png).toString('base64')])).body).result as { id: number };
  const bad: [string, unknown[], RegExp][] = [
    ['listImages', ['text'], /^listImages: argument query must be an object, got "text"$/],
    ['cancelJob', ['x'], /^cancelJob: argument job must be a positive integer, got "x"$/],
    ['getMask', [-1], /^getMask: argument imageId must be a positive integer, got -1$/],
    ['getMask', [0], /^getMask: argument imageId must be a positive integer, got 0$/],
    ['getMask', [1e20], /^getMask: argument imageId must be a positive integer, got 100000000000000000000$/],
    ['getMask', [image.id, -2], /^getMask: argument slice must be an integer ≥ 0, got -2$/],
    ['uploadImage', [project.id, 'a.png'], /^uploadImage: argument base64 must be a string, got nothing$/],
    ['addImages', [project.id, '/etc/passwd'], /^addImages: argument paths must be an array, got "\/etc\/passwd"$/],
    ['listImages', [{ projectId: project.id, limit: -5 }], /^listImages: argument query\.limit must be an integer ≥ 0, got -5$/],
  ];
  for (const [method, args, message] of bad) {
    const reply = await api(method, args);
    assert.equal(reply.status, 400, `${method}(${JSON.stringify(args)}): ${reply.body}`);
    assert.match(JSON.parse(reply.body).error, message);
  }
  for (const [method, args] of [['getMask', [2 ** 53 - 1]], ['displayImage', [99999]], ['listEncoders', [99999]], ['camLayers', [99999]]] as [string, unknown[]][]) {
    const reply = await api(method, args);
    assert.equal(reply.status, 404, `${method}(${JSON.stringify(args)}): ${reply.body}`);
  }
});

test('200 requests at once are all answered, and the server goes on answering', async () => {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const one = (i: number) =>
    new Promise<number>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port: served.port, path: `/api/${i % 2 ? 'listProjects' : 'catalogue'}`, method: 'POST', agent, headers: { 'x-segwork-token': served.token, 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(-1));
      req.end('[]');
    });
  const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => one(i)));
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  assert.deepEqual([...counts], [[200, 200]], 'every request is served');
  agent.destroy();
  assert.equal((await api('listProjects', [])).status, 200);
});
