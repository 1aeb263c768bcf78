// The loopback server refuses requests without the token, with a foreign Host or Origin, and paths that
// leave the renderer directory. A real server on a free port; raw HTTP so headers can be forged.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SegworkService } from '../../../src/api/service.ts';
import { startServer, type RunningServer } from '../../../src/server/server.ts';
import { SERVICE_METHODS } from '../../../src/server/methods.ts';

let dir: string;
let server: RunningServer;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'segwork-server-'));
  const dist = path.join(dir, 'dist');
  mkdirSync(path.join(dist, 'assets'), { recursive: true });
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Segwork</title>');
  writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'secret.txt'), 'outside the renderer');
  symlinkSync(path.join(dir, 'secret.txt'), path.join(dist, 'link.txt'));
  // These refusals happen before the core is consulted, so the core never has to start.
  const neverStarts = new Promise<SegworkService>(() => {});
  server = await startServer({ service: neverStarts, staticDir: dist, port: 0 });
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(pathAndQuery: string, options: { host?: string; headers?: Record<string, string>; method?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: pathAndQuery,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `127.0.0.1:${server.port}`, ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the printed address is on 127.0.0.1 with a long random token', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
  assert.notEqual(server.port, 0);
});

test('the page loads with the token in the query, sets an HttpOnly cookie and a strict CSP, and no CORS', async () => {
  const reply = await request(`/?token=${server.token}`);
  assert.equal(reply.status, 200);
  assert.match(reply.body, /<title>Segwork<\/title>/);
  assert.match(String(reply.headers['set-cookie']), new RegExp(`segwork_token=${server.token}; HttpOnly; SameSite=Strict`));
  assert.match(String(reply.headers['content-security-policy']), /default-src 'self'/);
  assert.equal(reply.headers['access-control-allow-origin'], undefined);
  const withCookie = await request('/assets/app.js', { headers: { cookie: `segwork_token=${server.token}` } });
  assert.equal(withCookie.status, 200);
  assert.equal(withCookie.headers['content-type'], 'text/javascript; charset=utf-8');
});

test('requests without the token or with a wrong one are refused', async () => {
  assert.equal((await request('/')).status, 403);
  assert.equal((await request('/?token=wrong')).status, 403);
  assert.equal((await request('/api/listProjects', { method: 'POST', headers: { 'x-segwork-token': server.token.slice(1) } })).status, 403);
  assert.equal((await request('/api/events', { headers: { cookie: 'segwork_token=nope' } })).status, 403);
});

test('a foreign Host header is refused even with the right token (DNS rebinding)', async () => {
  const reply = await request(`/?token=${server.token}`, { host: `evil.example:${server.port}` });
  assert.equal(reply.status, 421);
  assert.equal((await request(`/?token=${server.token}`, { host: `127.0.0.1:${server.port + 1}` })).status, 421);
  assert.equal((await request(`/?token=${server.token}`, { host: `localhost:${server.port}` })).status, 200);
});

test('a cross-site Origin is refused', async () => {
  const reply = await request('/api/listProjects', { method: 'POST', headers: { 'x-segwork-token': server.token, origin: 'http://evil.example' } });
  assert.equal(reply.status, 403);
});

test('paths cannot escape the renderer directory', async () => {
  const auth = { headers: { 'x-segwork-token': server.token } };
  for (const escape of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/link.txt', '/..%5csecret.txt', '/%00index.html']) {
    const reply = await request(escape, auth);
    assert.equal(reply.status, 404, `${escape} must not be served`);
    assert.doesNotMatch(reply.body, /outside the renderer/);
  }
});

test('API calls must be POST and name a method of the service', async () => {
  const auth = { 'x-segwork-token': server.token };
  assert.equal((await request('/api/listProjects', { headers: auth })).status, 405);
  const unknown = await request('/api/close', { method: 'POST', headers: auth });
  assert.equal(unknown.status, 404);
  assert.equal(JSON.parse(unknown.body).error, 'API method "close" does not exist');
  assert.ok(SERVICE_METHODS.includes('saveMaskPatches'));
  assert.ok(!(SERVICE_METHODS as readonly string[]).includes('onJobEvent'), 'events travel over /api/events, not as a call');
});

test('a chunked body past the limit is a 413, and a body that trickles in past the request timeout is dropped', async (t) => {
  const neverStarts = new Promise<SegworkService>(() => {});
  const small = await startServer({ service: neverStarts, staticDir: dir, port: 0, maxBodyBytes: 1000, timeouts: { requestMs: 1500, headersMs: 1000 } });
  t.after(() => small.close());
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: small.port, path: '/api/listProjects', method: 'POST', headers: { 'x-segwork-token': small.token, 'transfer-encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let i = 0; i < 20; i++) req.write('x'.repeat(100));
  });
  assert.equal(status, 413);

  const closedAfterMs = await new Promise<number>((resolve) => {
    const started = Date.now();
    const req = http.request({ host: '127.0.0.1', port: small.port, path: '/api/listProjects', method: 'POST', headers: { 'x-segwork-token': small.token, 'content-length': '500' } });
    req.on('error', () => resolve(Date.now() - started));
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(Date.now() - started));
    });
    req.write('[');
    const drip = setInterval(() => req.write(' '), 200);
    req.on('close', () => clearInterval(drip));
  });
  assert.ok(closedAfterMs >= 1400 && closedAfterMs < 6000, `closed after ${closedAfterMs} ms`);
});
