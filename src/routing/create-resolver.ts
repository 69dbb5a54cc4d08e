/**
 * Chooses how shards find their Redis node. The only place that looks at
 * whether Redis is a cluster; everything else sees an {@link EndpointResolver}.
 */
import type { RedisConfig } from '../config/redis-config';
import { ClusterResolver } from './cluster-resolver';
import { type EndpointResolver, StandaloneResolver } from './endpoint-resolver';

/** Builds the resolver for `redis`. */
export function createResolver(redis: RedisConfig): EndpointResolver {
  if (redis.mode === 'standalone') return new StandaloneResolver(redis.endpoint);
  return new ClusterResolver(redis, redis.seeds);
}
