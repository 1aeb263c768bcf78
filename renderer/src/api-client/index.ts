// The renderer's one door to the core: the SegworkService, carried over HTTP + server-sent events in serve mode
// or over the Electron preload bridge. Method names are not listed here: both carriers check them against the
// core's table, so the client follows the interface without a second list to keep in step.
import { fromErrorPayload, type ErrorPayload } from '../../../src/api/errors.ts';
import type { JobEvent, SegworkService } from '../../../src/api/service.ts';

/** What electron/preload.ts exposes as window.segwork. */
export interface SegworkBridge {
  /** A failed call resolves with its error's kind: errors thrown across the bridge keep only their message. */
  invoke(method: string, args: unknown[]): Promise<{ result: unknown } | { error: ErrorPayload }>;
  onJobEvent(listener: (event: JobEvent) => void): () => void;
}

declare global {
  interface Window {
    segwork?: SegworkBridge;
  }
}

export type ApiClient = SegworkService & {
  /** Called with false when the core cannot be reached and with true when it can again. */
  onConnection(listener: (connected: boolean) => void): () => void;
};

export class ConnectionError extends Error {
  constructor(method: string) {
    super(`Lost connection to Segwork while calling ${method}`);
    this.name = 'ConnectionError';
  }
}

export function createApiClient(): ApiClient {
  return window.segwork ? bridgeClient(window.segwork) : httpClient();
}

function asService(call: (method: string, args: unknown[]) => Promise<unknown>, extra: Pick<ApiClient, 'onJobEvent' | 'onConnection'>): ApiClient {
  return new Proxy(extra as ApiClient, {
    get(target, name) {
      if (name in target) return target[name as keyof typeof target];
      if (typeof name !== 'string' || name === 'then') return undefined;
      return (...args: unknown[]) => call(name, args);
    },
  });
}

function bridgeClient(bridge: SegworkBridge): ApiClient {
  const call = async (method: string, args: unknown[]) => {
    const reply = await bridge.invoke(method, args);
    if ('error' in reply) throw fromErrorPayload(reply.error);
    return reply.result;
  };
  return asService(call, {
    onJobEvent: (listener) => bridge.onJobEvent(listener),
    // In Electron the core lives in the same app; the connection cannot drop.
    onConnection: () => () => {},
  });
}

function httpClient(): ApiClient {
  const jobListeners = new Set<(event: JobEvent) => void>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let connected = true;
  const setConnected = (value: boolean) => {
    if (value === connected) return;
    connected = value;
    connectionListeners.forEach((l) => l(value));
  };

  // The page was opened with ?token=…; the server answered with a cookie, so the token can leave the address bar.
  const url = new URL(window.location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url);
  }

  // The event stream doubles as the connection probe: its opening is what clears the "connection lost" banner.
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const openEvents = () => {
    source?.close();
    source = new EventSource('api/events');
    source.onopen = () => setConnected(true);
    source.onmessage = (message) => {
      const event = JSON.parse(message.data) as JobEvent;
      jobListeners.forEach((l) => l(event));
    };
    source.onerror = () => {
      setConnected(false);
      // EventSource retries by itself unless the server refused it outright (e.g. it restarted with a new token).
      if (source?.readyState === EventSource.CLOSED) reconnectSoon();
    };
  };
  const reconnectSoon = () => {
    clearTimeout(retry);
    retry = setTimeout(openEvents, 1000);
  };
  openEvents();

  const call = async (method: string, args: unknown[]): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(args),
        credentials: 'same-origin',
      });
    } catch {
      // A failed call may happen while the stream still looks open: reopen it, and its opening says we are back.
      setConnected(false);
      reconnectSoon();
      throw new ConnectionError(method);
    }
    const text = await response.text();
    let body: { result?: unknown; error?: string; name?: string; fields?: Record<string, unknown> };
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${method}: ${response.status} ${text.trim()}`);
    }
    if (!response.ok) throw fromErrorPayload({ name: body.name ?? 'Error', message: body.error ?? `${method} failed with status ${response.status}`, fields: body.fields });
    return body.result;
  };

  return asService(call, {
    onJobEvent(listener) {
      jobListeners.add(listener);
      return () => jobListeners.delete(listener);
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  });
}
