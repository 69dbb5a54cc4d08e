/**
 * Shared pieces of the cluster tests: environment for a real cluster, and a
 * resolver that deliberately points each shard at the wrong master first.
 */
import type { RedisEndpoint } from '../../src/config/redis-config';
import { parseProducerConfig } from '../../src/config/config';
import { ClusterResolver } from '../../src/routing/cluster-resolver';
import type { EndpointResolver } from '../../src/routing/endpoint-resolver';
import type { RedisClusterHandle } from '../../scripts/support/redis-cluster';
import { baseEnv, TEST_TOKEN } from './env';

/** Environment for a producer and consumer on `cluster`. */
export function clusterEnv(cluster: RedisClusterHandle, extra: Record<string, string> = {}): Record<string, string> {
  const env = baseEnv({ QUEUE_SHARDS: '16', STALL_INTERVAL_MS: '1000', API_TOKENS: TEST_TOKEN, ...extra });
  delete env['REDIS_URL'];
  env['REDIS_CLUSTER_NODES'] = cluster.seeds;
  return env;
}

/**
 * Answers the first lookup of each slot with a master that does NOT own it,
 * then tells the truth: a shard must notice MOVED and correct itself.
 */
export class MisdirectingResolver implements EndpointResolver {
  private readonly fooled = new Set<number>();
  readonly real: ClusterResolver;

  constructor(
    cluster: RedisClusterHandle,
    private readonly wrongFor: (slot: number) => Promise<RedisEndpoint>,
  ) {
    this.real = new ClusterResolver(parseProducerConfig(clusterEnv(cluster)).redis, seedsOf(cluster));
  }

  /** The wrong master the first time, the real owner afterwards. */
  async ownerOf(slot: number): Promise<RedisEndpoint> {
    if (this.fooled.has(slot)) return this.real.ownerOf(slot);
    this.fooled.add(slot);
    return this.wrongFor(slot);
  }

  /** Passes through. */
  invalidate(): void {
    this.real.invalidate();
  }
}

/** The cluster's nodes as endpoints. */
export function seedsOf(cluster: RedisClusterHandle): RedisEndpoint[] {
  return cluster.nodes.map((n) => ({ host: n.host, port: n.port }));
}

/** A master other than the owner of `slot`. */
export async function wrongMaster(cluster: RedisClusterHandle, slot: number): Promise<RedisEndpoint> {
  const owner = await cluster.ownerOfSlot(slot);
  const other = (await cluster.masters()).find((m) => m.port !== owner);
  if (!other) throw new Error('need at least two masters');
  return { host: '127.0.0.1', port: other.port };
}
