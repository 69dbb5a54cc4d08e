/**
 * The producer's HTTP server, with the limits that keep slow or idle clients
 * from holding sockets: time to send headers, time for the whole request,
 * idle keep-alive time. Node checks these on an interval, which is set short
 * enough for them to bite on time.
 */
import http from 'node:http';
import type { ProducerConfig } from '../src/config/config';

/** Anything that serves requests the way a Koa app does. */
interface RequestHandlerSource {
  callback(): http.RequestListener;
}

/** Builds (does not start) the server for `app`. */
export function createHttpServer(app: RequestHandlerSource, limits: ProducerConfig['http']): http.Server {
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
    },
    app.callback(),
  );
  return server;
}
