/**
 * The connections of a Bee-Queue (2.0.0) queue: `client` (commands, shared
 * through the pool here), `bclient` (blocking pops) and `eclient` (events),
 * none of which Bee-Queue exposes. The router must end them for sure when it
 * drops a queue (a half-connected queue would otherwise leak a socket and a
 * listener), and readiness probes must write through the very connection
 * jobs are written on.
 */
import type BeeQueue = require('bee-queue');
import type { RedisClient } from 'redis';

/** Bee-Queue's connection fields, and the error listener it puts on `client`. */
export interface Connections {
  client: RedisClient | null;
  bclient: RedisClient | null;
  eclient: RedisClient | null;
  _emitError: (err: Error) => void;
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

/**
 * Takes `queue`'s error listener off the shared command connection. Bee-Queue
 * does this in close() only if the connection was ready by then; a queue whose
 * build timed out while the node was frozen adds its listener when the node
 * thaws, long after it was dropped, and that listener (and the queue it holds)
 * would stay on the shared client for good.
 */
export function detachFromSharedClient(queue: BeeQueue): void {
  const internals = queue as unknown as Connections;
  internals.client?.removeListener('error', internals._emitError);
}

/** `host:port` of the node the queue's command connection talks to. */
export function connectedAddress(queue: BeeQueue): string | undefined {
  const client = commandClient(queue) as (RedisClient & { address?: string }) | null;
  return client?.address;
}
