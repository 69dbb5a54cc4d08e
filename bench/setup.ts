/**
 * The benchmark's own infrastructure: a workspace for logs, its own
 * redis-server on a free port (never the shared 6379), optionally a real
 * 3-master/3-replica cluster, the proxy process, and one producer per
 * scenario (each with its own QUEUE_PREFIX). Everything is registered for
 * cleanup the moment it exists.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RedisClient } from 'redis';
import { startRedisCluster } from '../scripts/support/redis-cluster';
import { startRedisServer } from '../scripts/support/redis-server';
import { onCleanup, rememberPids } from './children';
import { type ProxyHandle, startProxy } from './proxy';
import { connectRedis, flushAll, quit } from './redis-client';
import { type ProducerHandle, startProducer } from './service';
import { BROADCAST_CONFIGS, type BroadcastContext } from './broadcast';
import type { DeliveryContext } from './delivery';
import type { BusyRoomContext } from './busy-room-steps';
import type { RedisTarget, Workspace } from './workspace';

/** Where results and logs go: bench/results (gitignored). */
export function resultsDir(ws: Pick<Workspace, 'dist'>): string {
  return path.resolve(ws.dist, '..', 'bench', 'results');
}

/** Creates the workspace; `stamp` names the log directory. */
export function createWorkspace(stamp: string): Workspace {
  const dist = path.resolve(__dirname, '..');
  const logDir = path.join(resultsDir({ dist }), `logs-${stamp}`);
  fs.mkdirSync(logDir, { recursive: true });
  return { dist, logDir, token: `bench-${randomBytes(12).toString('hex')}` };
}

/** The standalone Redis with the bench's own client on it. */
export interface Standalone {
  target: RedisTarget;
  client: RedisClient;
  version: string;
}

/** Starts the bench's own redis-server (no persistence, free port). */
export async function startStandalone(): Promise<Standalone> {
  const server = await startRedisServer();
  rememberPids([server.pid]);
  onCleanup(() => server.stop());
  const client = await connectRedis(server.host, server.port);
  onCleanup(() => quit(client));
  const info = String(await server.command('INFO', 'server'));
  const target: RedisTarget = { kind: 'standalone', env: { REDIS_URL: server.url }, host: server.host, port: server.port, pids: () => [server.pid] };
  return { target, client, version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown' };
}

/** A running cluster as a target, with a way to wipe it. */
export interface ClusterSetup {
  target: RedisTarget;
  flush: () => Promise<void>;
}

/** Starts a 3-master/3-replica cluster (2 s node timeout) and waits until every replica is in sync. */
export async function startCluster(): Promise<ClusterSetup> {
  const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  rememberPids(cluster.nodes.map((n) => n.pid));
  onCleanup(() => cluster.stop());
  const first = cluster.nodes[0];
  const target: RedisTarget = {
    kind: 'cluster',
    env: { REDIS_CLUSTER_NODES: cluster.seeds },
    host: first?.host ?? '127.0.0.1',
    port: first?.port ?? 0,
    pids: () => cluster.nodes.map((n) => n.pid),
  };
  // Replicas refuse FLUSHALL (READONLY) and follow their master's anyway.
  const flush = async (): Promise<void> => void (await Promise.allSettled(cluster.nodes.map((n) => n.command('FLUSHALL', 'SYNC'))));
  return { target, flush };
}

/** Starts the proxy process and registers its cleanup. */
export async function proxyFor(ws: Workspace): Promise<ProxyHandle> {
  const proxy = await startProxy(ws);
  onCleanup(() => proxy.stop());
  return proxy;
}

/** Starts a producer for one scenario and registers its cleanup. */
export async function producerFor(ws: Workspace, target: RedisTarget, prefix: string, extraEnv: Record<string, string>): Promise<ProducerHandle> {
  const producer = await startProducer(ws, target, prefix, extraEnv);
  onCleanup(() => producer.stop());
  return producer;
}

/** A delivery context on the standalone Redis under `prefix`. */
export async function standaloneDelivery(
  ws: Workspace,
  redis: Standalone,
  proxy: ProxyHandle,
  prefix: string,
  settings: { pushes: number; latencySeconds: number; producerEnv: Record<string, string> },
): Promise<DeliveryContext> {
  const producer = await producerFor(ws, redis.target, prefix, settings.producerEnv);
  const flush = (): Promise<void> => flushAll(redis.client);
  return { ws, target: redis.target, prefix, proxy, producer, flush, redis: redis.client, pushes: settings.pushes, latencySeconds: settings.latencySeconds };
}

/** A delivery context on a fresh cluster (with its own producer). */
export async function clusterDelivery(ws: Workspace, proxy: ProxyHandle, prefix: string, pushes: number, producerEnv: Record<string, string>): Promise<DeliveryContext> {
  const cluster = await startCluster();
  const producer = await producerFor(ws, cluster.target, prefix, producerEnv);
  return { ws, target: cluster.target, prefix, proxy, producer, flush: cluster.flush, pushes, latencySeconds: 0 };
}

/** The broadcast scenario's contexts: one producer per configuration on the standalone Redis. */
export async function broadcastSetup(ws: Workspace, redis: Standalone, proxy: ProxyHandle, producerEnv: Record<string, string>, seed: number): Promise<BroadcastContext> {
  const services = [];
  for (const config of BROADCAST_CONFIGS) {
    const settings = { pushes: 0, latencySeconds: 0, producerEnv: { ...producerEnv, ...config.env } };
    services.push({ label: config.label, ctx: await standaloneDelivery(ws, redis, proxy, config.prefix, settings) });
  }
  return { services, seed };
}

/**
 * The busy-room scenario's context: its own proxy (whose cap and recipient
 * log must not touch other scenarios), and two producers on the standalone
 * Redis, COLLAPSE_HOLD_MS=0 and =250 (code without collapse ignores it).
 */
export async function busyRoomSetup(ws: Workspace, redis: Standalone, producerEnv: Record<string, string>, seconds: number): Promise<BusyRoomContext> {
  const proxy = await proxyFor(ws);
  const plain = await producerFor(ws, redis.target, 'bbusy', { ...producerEnv, COLLAPSE_HOLD_MS: '0' });
  const hold = await producerFor(ws, redis.target, 'bbusyhold', { ...producerEnv, COLLAPSE_HOLD_MS: '250' });
  return {
    ws,
    target: redis.target,
    redis: redis.client,
    proxy,
    flush: () => flushAll(redis.client),
    plain: { producer: plain, prefix: 'bbusy' },
    hold: { producer: hold, prefix: 'bbusyhold' },
    sustainedSeconds: seconds,
    // A minute-long time series per mode: once per invocation, in the first run.
    sustained: (run) => run === 1,
  };
}
