/**
 * Command connections that one intake at a time leases, a small pool per
 * Redis node. An intake WAITs for replicas after its writes, and WAIT blocks
 * the connection it runs on for up to REDIS_WAIT_TIMEOUT_MS while a replica is
 * slow or frozen. On the node's shared, auto-pipelined connection (see
 * connection-pool) every intake's WAIT queued behind the one before, and every
 * other command behind all of them: twenty concurrent intakes against a frozen
 * replica all timed out with 503. WAIT also only covers writes made on its own
 * connection, so each intake writes its chunks for a node on a leased
 * connection and WAITs there (see intake-session). A small intake likewise no
 * longer waits behind the chunks of a large one.
 *
 * Connections are made on demand up to `maxPerNode`, reused, and a broken one
 * (or one returned mid-command) is ended instead of reused.
 */
import type { RedisClient } from 'redis';
import type { RedisConfig, RedisEndpoint } from '../config/redis-config';
import { QueueUnavailableError } from '../core/errors';
import type { Logger } from '../core/logger';
import { withTimeout } from '../core/wait-for';
import { endpointKey } from '../redis/cluster-slots';
import { isEnded } from '../bee/node-redis-internals';
import { createGuardedClient } from '../bee/guarded-client';
import { CONNECT_TIMEOUT_MS, redisClientOptions } from '../redis/redis-client-options';

/** One node's connections. */
interface NodePool {
  idle: RedisClient[];
  /** Every open connection of the node, idle or leased. */
  open: Set<RedisClient>;
  /** Intakes waiting for a connection to be returned, first come first served. */
  waiters: Array<() => void>;
}

/** Per-node pools of connections leased exclusively by one intake. */
export class IntakeConnections {
  private readonly nodes = new Map<string, NodePool>();
  private readonly owners = new WeakMap<RedisClient, NodePool>();
  private closed = false;

  constructor(
    private readonly redis: RedisConfig,
    private readonly maxPerNode: number,
    private readonly log: Logger,
  ) {}

  /**
   * A ready connection to `endpoint` for the caller alone, until it is given
   * back with {@link release}. Waits for one to be returned when the node has
   * `maxPerNode` out; rejects with {@link QueueUnavailableError} at `deadline`.
   */
  async lease(endpoint: RedisEndpoint, deadline: number): Promise<RedisClient> {
    const pool = this.nodeFor(endpoint);
    for (;;) {
      if (this.closed) throw new QueueUnavailableError('the intake connections are closed');
      const idle = pool.idle.pop();
      if (idle && !isEnded(idle)) return idle;
      if (idle) {
        pool.open.delete(idle);
        continue;
      }
      if (pool.open.size < this.maxPerNode) return this.connect(endpoint, pool, deadline);
      await this.turn(pool, deadline);
    }
  }

  /**
   * Gives a leased connection back. `reusable` is false when the lease ended
   * with a command possibly still pending on it (the intake failed or timed
   * out): the connection is then ended, as is one that has broken.
   */
  release(client: RedisClient, reusable: boolean): void {
    const pool = this.owners.get(client);
    if (!pool) return;
    if (reusable && !this.closed && !isEnded(client)) {
      pool.idle.push(client);
    } else {
      pool.open.delete(client);
      // end(true) fails whatever is still pending instead of leaving it hanging.
      if (!isEnded(client)) client.end(true);
    }
    pool.waiters.shift()?.();
  }

  /** Open and idle connections to `endpoint` (open minus idle are leased out). */
  stats(endpoint: RedisEndpoint): { open: number; idle: number } {
    const pool = this.nodes.get(endpointKey(endpoint));
    return { open: pool?.open.size ?? 0, idle: pool?.idle.length ?? 0 };
  }

  /** Ends every connection and fails waiting leases (after the HTTP server has drained). */
  async closeAll(timeoutMs: number): Promise<void> {
    this.closed = true;
    const quits: Promise<void>[] = [];
    for (const pool of this.nodes.values()) {
      pool.waiters.splice(0).forEach((wake) => wake());
      for (const client of pool.open) {
        const quit = new Promise<void>((resolve) => client.quit(() => resolve()));
        quits.push(withTimeout(quit, timeoutMs, () => new Error('quit timeout')).catch(() => undefined).then(() => client.end(false)));
      }
      pool.open.clear();
      pool.idle = [];
    }
    await Promise.all(quits);
  }

  private nodeFor(endpoint: RedisEndpoint): NodePool {
    const key = endpointKey(endpoint);
    let pool = this.nodes.get(key);
    if (!pool) {
      pool = { idle: [], open: new Set(), waiters: [] };
      this.nodes.set(key, pool);
    }
    return pool;
  }

  /** Opens a connection and resolves once it is ready; a failure is a connection error, so the shard re-routes. */
  private async connect(endpoint: RedisEndpoint, pool: NodePool, deadline: number): Promise<RedisClient> {
    const node = endpointKey(endpoint);
    const client = createGuardedClient(redisClientOptions(this.redis, endpoint), (err) =>
      this.log.debug({ node, reason: err.message }, 'intake Redis connection error'),
    );
    pool.open.add(client);
    this.owners.set(client, pool);
    const ready = new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('end', () => reject(Object.assign(new Error(`connection to ${node} lost while connecting`), { code: 'NR_CLOSED' })));
    });
    const limit = Math.max(1, Math.min(CONNECT_TIMEOUT_MS, deadline - Date.now()));
    try {
      await withTimeout(ready, limit, () => Object.assign(new Error(`connect to ${node} timed out`), { code: 'ETIMEDOUT' }));
      return client;
    } catch (err) {
      this.release(client, false);
      throw err;
    }
  }

  /** Resolves when a connection of `pool` is returned; rejects at `deadline`. */
  private turn(pool: NodePool, deadline: number): Promise<void> {
    let wake: () => void = () => undefined;
    const returned = new Promise<void>((resolve) => {
      wake = resolve;
      pool.waiters.push(resolve);
    });
    return withTimeout(returned, Math.max(1, deadline - Date.now()), () => {
      const index = pool.waiters.indexOf(wake);
      if (index >= 0) pool.waiters.splice(index, 1);
      return new QueueUnavailableError('every intake connection to the node is busy');
    });
  }
}
