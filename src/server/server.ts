// Loopback HTTP transport for the service (serve mode): the built renderer as static files, the API as
// POST /api/<method> with a JSON array of arguments, and job events as server-sent events on GET /api/events.
import { createReadStream } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toErrorPayload } from '../api/errors.ts';
import type { JobEvent, SegworkService } from '../api/service.ts';
import { httpStatusOf } from './error-status.ts';
import { callServiceMethod, isServiceMethod, UnknownMethodError } from './methods.ts';
import { hostAllowed, newToken, originAllowed, presentedToken, tokenCookie, tokenMatches } from './security.ts';
import { contentType, resolveStatic } from './static-files.ts';

/** Largest request body: an uploaded image or a whole-image mask patch, base64 encoded. */
export const MAX_BODY_BYTES = 512 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/**
 * How long a client may take: to send its headers (a half-open or slow connection is dropped after this), to send
 * a whole request (the largest body over loopback takes seconds), and to stay idle between keep-alive requests.
 * The event stream is a response, which these do not limit.
 */
export const DEFAULT_TIMEOUTS = { headersMs: 10_000, requestMs: 120_000, keepAliveMs: 5_000 };

/** What the page may load: only itself; images may be data: or blob: URLs the renderer makes. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

export interface ServerOptions {
  /** The core, or a promise of it so the address can be printed before the core has started. */
  service: SegworkService | Promise<SegworkService>;
  /** The built renderer (renderer/dist). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  /** Tests shorten these. */
  timeouts?: Partial<typeof DEFAULT_TIMEOUTS>;
  maxBodyBytes?: number;
}

export interface RunningServer {
  port: number;
  token: string;
  /** The address to open, token included. */
  url: string;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? newToken();
  const service = Promise.resolve(options.service);
  // A failed start is reported by the caller; requests then answer with its message.
  service.catch(() => {});
  const streams = new Set<ServerResponse>();
  let port = 0;

  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const server = http.createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      // How often timed-out connections are looked for (Node's default, 30 s, would let one live 40 s).
      connectionsCheckingInterval: Math.min(1000, timeouts.headersMs),
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: messageOf(error) });
        else res.destroy();
      });
    },
  );

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req, port)) return refuse(res, 421, 'Host not allowed: use 127.0.0.1 or localhost');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const presented = presentedToken(req, url);
    if (!presented || !tokenMatches(token, presented.token)) return refuse(res, 403, 'Missing or wrong token: open the address segwork serve printed');
    if (!originAllowed(req, port)) return refuse(res, 403, 'Cross-origin requests are refused');

    if (url.pathname === '/api/events') {
      if (req.method !== 'GET') return sendText(res, 405, 'Use GET for /api/events');
      return openEventStream(req, res, await service);
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return sendText(res, 405, 'API methods are called with POST');
      return callApi(req, res, url.pathname.slice('/api/'.length));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed');
    const file = await resolveStatic(options.staticDir, url.pathname);
    if (!file) return sendText(res, 404, 'Not found');
    const headers: http.OutgoingHttpHeaders = {
      'content-type': contentType(file),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    };
    if (file.endsWith('.html')) {
      headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
      headers['x-frame-options'] = 'DENY';
    }
    // The first page load carries the token in the query; later requests (scripts, EventSource) use the cookie.
    if (presented.via === 'query') headers['set-cookie'] = tokenCookie(token);
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  async function callApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (!isServiceMethod(method)) return sendError(res, new UnknownMethodError(method));
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes) return refuse(res, 413, `The request body of ${method} (${declared} bytes) is larger than ${maxBodyBytes} bytes`);
    let args: unknown;
    try {
      const body = await readBody(req, maxBodyBytes);
      if (body === null) return refuse(res, 413, `The request body of ${method} is larger than ${maxBodyBytes} bytes`);
      args = body.length === 0 ? [] : JSON.parse(body);
    } catch (error) {
      return sendJson(res, 400, { error: `request body of ${method}: ${messageOf(error)}` });
    }
    try {
      const result = await callServiceMethod(await service, method, args);
      sendJson(res, 200, { result: result ?? null });
    } catch (error) {
      sendError(res, error);
    }
  }

  function openEventStream(req: IncomingMessage, res: ServerResponse, core: SegworkService): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    res.write('retry: 1000\n: connected\n\n');
    streams.add(res);
    const unsubscribe = core.onJobEvent((event: JobEvent) => res.write(`data: ${JSON.stringify(event)}\n\n`));
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of streams) res.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The request body as text, or null as soon as it passes maxBytes (a chunked body declares no length). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

/** A failed call: status by the error's kind; the body keeps the message as `error` and adds the kind to rebuild it. */
function sendError(res: ServerResponse, error: unknown): void {
  const { message, ...kind } = toErrorPayload(error);
  sendJson(res, httpStatusOf(error), { error: message, ...kind });
}

/**
 * Refuses a request without reading its body: the connection closes after the answer, so a large body sent without
 * a token, or past the size limit, is never read.
 */
function refuse(res: ServerResponse, status: number, text: string): void {
  res.setHeader('connection', 'close');
  sendText(res, status, text);
  res.once('finish', () => res.req.socket?.destroySoon());
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text + '\n');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
