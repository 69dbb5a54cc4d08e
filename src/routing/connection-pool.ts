/**
 * One command connection per Redis node, shared by every shard queue on
 * that node. With auto-pipelining (see bee/auto-pipeline), the commands of all
 * jobs in flight leave in one socket write per event-loop turn instead of one write per
 * shard connection; this matters more than anything else for consumer CPU.
 * Blocking and subscriber connections stay per queue (Bee-Queue makes them
 * with `duplicate()`), since they cannot be shared.
 *
 * A pooled client that has ended (lost connection, quit) is replaced on the
 * next request for its node, so a re-routed shard always gets a live one.
 */
import type { RedisClient } from 'redis';
import type { RedisConfig, RedisEndpoint } from '../config/redis-config';
import type { Logger } from '../core/logger';
import { QueueUnavailableError } from '../core/errors';
import { withTimeout } from '../core/wait-for';
import { isEnded, isReady } from '../bee/node-redis-internals';
import { endpointKey } from '../redis/cluster-slots';
import { createGuardedClient } from '../bee/guarded-client';
import { redisClientOptions } from '../redis/redis-client-options';

/** Shared command connections, one per node. */
export class ConnectionPool {
  private readonly clients = new Map<string, RedisClient>();
  private readonly readiness = new WeakMap<RedisClient, Promise<void>>();
  private closed = false;

  constructor(
    private readonly redis: RedisConfig,
    /** Every queue on a node adds an error listener to its shared client. */
    private readonly maxListeners: number,
    private readonly log: Logger,
  ) {}

  /** The live shared client for `endpoint`, created if needed. */
  get(endpoint: RedisEndpoint): RedisClient {
    if (this.closed) throw new QueueUnavailableError('the connection pool is closed');
    const key = endpointKey(endpoint);
    const existing = this.clients.get(key);
    if (existing && !isEnded(existing)) return existing;
    const client = createGuardedClient(redisClientOptions(this.redis, endpoint), (err) =>
      this.log.debug({ node: key, reason: err.message }, 'shared Redis connection error'),
    );
    client.setMaxListeners(this.maxListeners);
    this.clients.set(key, client);
    return client;
  }

  /**
   * Resolves once `client` is ready; rejects if it fails or ends first. One
   * set of listeners per client, however many callers wait: a queue built on
   * a client that is not ready yet would add its own listeners (Bee-Queue
   * waits for 'ready' itself), and every build that times out while the node
   * is frozen would leave them behind.
   */
  whenReady(client: RedisClient): Promise<void> {
    if (isReady(client)) return Promise.resolve();
    const pending = this.readiness.get(client);
    if (pending) return pending;
    const ready = new Promise<void>((resolve, reject) => {
      const settle = (err?: Error): void => {
        client.off('ready', onReady).off('error', onFail).off('end', onEnd);
        // A failed wait is not remembered: the next build waits afresh (or gets a new client once this one ended).
        this.readiness.delete(client);
        if (err) reject(err);
        else resolve();
      };
      const onReady = (): void => settle();
      const onFail = (err: Error): void => settle(err);
      const onEnd = (): void => settle(new QueueUnavailableError('the shared Redis connection ended before it was ready'));
      client.on('ready', onReady).on('error', onFail).on('end', onEnd);
    });
    // Callers time out on their own; a rejection nobody awaits any more is fine.
    ready.catch(() => undefined);
    this.readiness.set(client, ready);
    return ready;
  }

  /** Quits every shared client (after the queues using them have closed). */
  async closeAll(timeoutMs: number): Promise<void> {
    this.closed = true;
    const quits = [...this.clients.values()].map(async (client) => {
      const quit = new Promise<void>((resolve) => client.quit(() => resolve()));
      await withTimeout(quit, timeoutMs, () => new Error('quit timeout')).catch(() => undefined);
      client.end(false);
    });
    this.clients.clear();
    await Promise.all(quits);
  }
}
