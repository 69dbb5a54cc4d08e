/**
 * The real service processes, `node dist/producer/main.js` and
 * `node dist/consumer/main.js`, started exactly as in production, with an
 * explicit environment (nothing inherited but PATH, so a developer's
 * REDIS_URL or .env cannot leak in).
 */
import { findFreePort } from '../scripts/support/free-port';
import { waitFor } from '../src/core/wait-for';
import { ApiClient, probe } from './api-client';
import { type BenchChild, spawnNode } from './children';
import { logFile, type RedisTarget, serviceScript, type Workspace } from './workspace';

/** Shards and per-process concurrency of every run, as the brief fixes them. */
export const QUEUE_SHARDS = 16;
export const CONSUMER_CONCURRENCY = 50;

/**
 * Producer settings that differ from the defaults, and why. A 100k room can
 * take longer than the default 5 s ENQUEUE_TIMEOUT_MS on a loaded 2-core
 * machine; a 503 there would leave no figure at all, so the limit is raised.
 * It changes no code path, only when a slow intake gives up.
 */
export const PRODUCER_OVERRIDES: Readonly<Record<string, string>> = { ENQUEUE_TIMEOUT_MS: '60000' };

/** A running producer. */
export interface ProducerHandle {
  child: BenchChild;
  url: string;
  api: ApiClient;
  stop(): Promise<void>;
}

/** A running service consumer. */
export interface ConsumerHandle {
  child: BenchChild;
  metricsUrl: string;
}

function commonEnv(target: RedisTarget, prefix: string): Record<string, string> {
  return { ...target.env, QUEUE_PREFIX: prefix, QUEUE_SHARDS: String(QUEUE_SHARDS), LOG_LEVEL: 'warn' };
}

/** Starts a producer on a free port and waits until /readyz answers 200. `nodeArgs` go to node (the profiler's --cpu-prof). */
export async function startProducer(
  ws: Workspace,
  target: RedisTarget,
  prefix: string,
  extraEnv: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
): Promise<ProducerHandle> {
  const port = await findFreePort();
  const env = { ...commonEnv(target, prefix), HOST: '127.0.0.1', PORT: String(port), API_TOKENS: ws.token, ...PRODUCER_OVERRIDES, ...extraEnv };
  const name = `producer-${prefix}`;
  const child = spawnNode({ name, script: serviceScript(ws, 'producer/main'), nodeArgs, env, logFile: logFile(ws, name), cwd: ws.logDir });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/readyz`);
  const api = new ApiClient(url, ws.token);
  return {
    child,
    url,
    api,
    async stop() {
      await api.close();
      await child.stop();
    },
  };
}

/**
 * Spawns a consumer (CONSUMER_CONCURRENCY=50, QUEUE_SHARDS=16) without
 * waiting: delivery times count from the spawn, process start included.
 * `nodeArgs` go to node before the script (the profiler's --cpu-prof).
 */
export async function spawnConsumer(
  ws: Workspace,
  target: RedisTarget,
  prefix: string,
  proxyUrl: string,
  name: string,
  nodeArgs: readonly string[] = [],
): Promise<ConsumerHandle> {
  const metricsPort = await findFreePort();
  const env = {
    ...commonEnv(target, prefix),
    PUSH_PROXY_URL: proxyUrl,
    CONSUMER_CONCURRENCY: String(CONSUMER_CONCURRENCY),
    METRICS_PORT: String(metricsPort),
  };
  const child = spawnNode({ name, script: serviceScript(ws, 'consumer/main'), nodeArgs, env, logFile: logFile(ws, name), cwd: ws.logDir });
  return { child, metricsUrl: `http://127.0.0.1:${metricsPort}` };
}

/** Waits until `url` answers 200, failing early if the process died. */
export async function waitReady(child: BenchChild, url: string, timeoutMs = 30_000): Promise<void> {
  const outcome = await waitFor(async () => (child.done ? 'exited' : (await probe(url)) === 200 ? 'ready' : false), {
    timeoutMs,
    intervalMs: 50,
    description: `${child.name} to answer 200 on ${url}`,
  }).catch(async (err: unknown) => {
    await child.stop(2_000);
    throw err;
  });
  if (outcome === 'exited') throw new Error(`${child.name} exited during startup; see ${child.name}.log`);
}

/** Reads `push_fanout_pushes_total{outcome="delivered"}` from a consumer's /metrics (a cross-check of the proxy count). */
export function deliveredFromMetrics(metrics: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith('push_fanout_pushes_total{') && l.includes('outcome="delivered"'));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}
