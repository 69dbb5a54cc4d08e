/**
 * The consumer's only HTTP surface: liveness, readiness and Prometheus
 * metrics, for Kubernetes probes and scrapes. It reveals nothing but status
 * words and metrics, so it needs no auth; bind it to the pod network only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** What the probes need. */
export interface ProbeDeps {
  registry: Registry;
  isReady: () => Promise<boolean>;
}

async function answer(deps: ProbeDeps, path: string): Promise<{ status: number; type: string; body: string }> {
  if (path === '/healthz') return { status: 200, type: 'application/json', body: '{"status":"ok"}' };
  if (path === '/readyz') {
    const ready = await deps.isReady();
    return { status: ready ? 200 : 503, type: 'application/json', body: `{"status":"${ready ? 'ready' : 'redis_unavailable'}"}` };
  }
  if (path === '/metrics') return { status: 200, type: deps.registry.contentType, body: await deps.registry.metrics() };
  return { status: 404, type: 'application/json', body: '{"error":"not_found"}' };
}

/** Starts the probe server on `port` (0 for any free port); resolves once it listens. */
export async function startProbeServer(deps: ProbeDeps, port: number): Promise<http.Server & { port: number }> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://probe').pathname;
    answer(deps, req.method === 'GET' ? path : '').then(
      ({ status, type, body }) => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      },
      () => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"internal_error"}');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}
