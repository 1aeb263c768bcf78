// The loopback server's gatekeeping: a per-launch token on every request and a Host header that names the
// loopback address (a DNS-rebinding page would send its own host name).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'segwork_token';
export const TOKEN_HEADER = 'x-segwork-token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host?.toLowerCase();
  return host !== undefined && allowedHosts(port).includes(host);
}

/** A cross-site page may send an Origin; only our own origins are accepted. */
export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return allowedHosts(port).some((h) => origin === `http://${h}`);
}

/** Where the request carried the token: query (the first page load), header (API calls) or cookie. */
export function presentedToken(req: IncomingMessage, url: URL): { token: string; via: 'query' | 'header' | 'cookie' } | null {
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return { token: fromQuery, via: 'query' };
  const header = req.headers[TOKEN_HEADER];
  if (typeof header === 'string' && header) return { token: header, via: 'header' };
  const cookie = parseCookies(req.headers.cookie ?? '')[TOKEN_COOKIE];
  if (cookie) return { token: cookie, via: 'cookie' };
  return null;
}

export function tokenMatches(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function parseCookies(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
