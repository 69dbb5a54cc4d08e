/**
 * A real HTTP server standing in for the upstream push proxy. `npm start`
 * uses it when no PUSH_PROXY_URL is set, and tests and benchmarks use it to
 * count what arrived and to inject failures (status codes, Retry-After,
 * slowness) per request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One push as the proxy received it. */
export interface ReceivedPush {
  idempotencyKey: string;
  body: Record<string, unknown>;
  receivedAt: number;
}

/** How to answer one request; the default is 200 at once. */
export interface ProxyReply {
  status: number;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** Options for {@link startStandInProxy}. */
export interface StandInProxyOptions {
  port?: number;
  host?: string;
  /** Decides each answer; `attempt` counts requests with the same Idempotency-Key, from 1. */
  reply?: (push: ReceivedPush, attempt: number) => ProxyReply;
  /** Called for each push answered with 2xx. */
  onPush?: (push: ReceivedPush) => void;
  /** Keep only counts, not bodies (for long benchmarks). */
  countOnly?: boolean;
}

/** A running stand-in proxy. */
export interface StandInProxy {
  url: string;
  /** Pushes answered with 2xx, in arrival order (empty with countOnly). */
  delivered: ReceivedPush[];
  /** Count of 2xx answers per Idempotency-Key. */
  deliveries: Map<string, number>;
  /** Requests of any outcome. */
  requests: number;
  /** Forget everything received so far. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts the proxy; resolves once it listens. */
export async function startStandInProxy(options: StandInProxyOptions = {}): Promise<StandInProxy> {
  const state: StandInProxy = {
    url: '',
    delivered: [],
    deliveries: new Map(),
    requests: 0,
    reset() {
      state.delivered.length = 0;
      state.deliveries.clear();
      attempts.clear();
      state.requests = 0;
    },
    close: () => closeServer(server),
  };
  const attempts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    readBody(req).then((text) => {
      state.requests += 1;
      const push: ReceivedPush = {
        idempotencyKey: String(req.headers['idempotency-key'] ?? ''),
        body: parseObject(text),
        receivedAt: Date.now(),
      };
      const attempt = (attempts.get(push.idempotencyKey) ?? 0) + 1;
      attempts.set(push.idempotencyKey, attempt);
      const reply = options.reply?.(push, attempt) ?? { status: 200 };
      const answer = (): void => {
        if (reply.status >= 200 && reply.status < 300) record(state, push, options);
        res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.status < 300 ? '{"ok":true}' : '{"ok":false}');
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    }, () => res.destroy());
  });
  // Keep-alive sockets from consumers must not keep close() waiting.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.url = `http://${options.host ?? '127.0.0.1'}:${port}/push`;
  return state;
}

function record(state: StandInProxy, push: ReceivedPush, options: StandInProxyOptions): void {
  state.deliveries.set(push.idempotencyKey, (state.deliveries.get(push.idempotencyKey) ?? 0) + 1);
  if (!options.countOnly) state.delivered.push(push);
  options.onPush?.(push);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
