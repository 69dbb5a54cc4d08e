/**
 * node-redis v3 options for the connections Bee-Queue opens. Two choices here
 * carry the service's failure behaviour:
 * - the offline queue is off, so a command sent while Redis is away fails at
 *   once instead of waiting (and holding an HTTP request) forever;
 * - the client never reconnects by itself. A lost connection surfaces as an
 *   error, and the shard's router rebuilds the whole queue against whichever
 *   node owns the slot by then. Reconnecting in place would talk to the old
 *   node, which after a failover is a replica.
 */
import type { ClientOpts } from 'redis';
import type { RedisConfig, RedisEndpoint } from '../config/redis-config';

/** How long a TCP connect to Redis may take before the attempt fails. */
export const CONNECT_TIMEOUT_MS = 2000;

/** Builds the client options for one Redis node. */
export function redisClientOptions(redis: RedisConfig, endpoint: RedisEndpoint): ClientOpts {
  const options: ClientOpts = {
    host: endpoint.host,
    port: endpoint.port,
    enable_offline_queue: false,
    connect_timeout: CONNECT_TIMEOUT_MS,
    retry_strategy: () => new Error('connection lost; the shard router reconnects'),
  };
  if (redis.mode === 'standalone' && redis.db !== 0) options.db = redis.db;
  if (redis.password !== undefined) options.password = redis.password;
  // node-redis 3.1 sends `AUTH user password` when `user` is set (Redis 6 ACLs).
  if (redis.username !== undefined) Object.assign(options, { user: redis.username });
  if (redis.tls) options.tls = { servername: endpoint.host };
  return options;
}
