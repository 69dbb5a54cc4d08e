/**
 * The few Bee-Queue internals the router needs, typed in one place. Bee-Queue
 * does not expose its connections, but the router must end them for sure when
 * it drops a queue (a half-connected queue would otherwise leak a socket), and
 * readiness probes must PING through the very connection jobs are written on.
 */
import type BeeQueue = require('bee-queue');
import type { RedisClient } from 'redis';

interface Connections {
  client: RedisClient | null;
  bclient: RedisClient | null;
  eclient: RedisClient | null;
}

/** The command connection, once the queue has one. */
export function commandClient(queue: BeeQueue): RedisClient | null {
  return (queue as unknown as Connections).client;
}

/**
 * Ends the connections `queue` made for itself (blocking, subscriber) at
 * once, failing whatever is pending on them. The command connection is
 * shared through the pool and left alone.
 */
export function endOwnConnections(queue: BeeQueue): void {
  const { bclient, eclient } = queue as unknown as Connections;
  for (const connection of [bclient, eclient]) {
    // end(true) flushes pending callbacks with an error instead of leaving them hanging.
    if (connection) connection.end(true);
  }
}

/** `host:port` of the node the queue's command connection talks to. */
export function connectedAddress(queue: BeeQueue): string | undefined {
  const client = commandClient(queue) as (RedisClient & { address?: string }) | null;
  return client?.address;
}
