/**
 * Waiting for replicas before acknowledging. Redis replicates asynchronously:
 * a master killed right after a write can take that write with it, and the
 * promoted replica never saw it. WAIT blocks until replicas have every write
 * made so far on the connection, so a 202 sent after it cannot be undone by
 * a failover while a replica is healthy.
 *
 * WAIT blocks its connection for up to its timeout, so it runs only on a
 * connection the intake leased for itself (see intake-connections), once per
 * node, after all its chunks; and never for replicas the node does not have:
 * a master with no replica connected (right after a failover) would otherwise
 * hold the intake for the whole timeout.
 */
import type { RedisClient } from 'redis';
import { withTimeout } from '../core/wait-for';
import { sendCommand } from './send-command';

/** How long a node's replica count is trusted. */
const ROLE_CACHE_MS = 1000;
const replicaCounts = new WeakMap<RedisClient, { at: number; count: Promise<number> }>();

/** Replicas connected to the node behind `client`, from ROLE, cached briefly. */
export function connectedReplicas(client: RedisClient): Promise<number> {
  const cached = replicaCounts.get(client);
  if (cached && Date.now() - cached.at < ROLE_CACHE_MS) return cached.count;
  const count = sendCommand(client, 'ROLE', []).then((role) => {
    const replicas = (role as unknown[])[2];
    return Array.isArray(replicas) ? replicas.length : 0;
  });
  const entry = { at: Date.now(), count };
  count.catch(() => {
    if (replicaCounts.get(client) === entry) replicaCounts.delete(client);
  });
  replicaCounts.set(client, entry);
  return count;
}

/**
 * WAITs on `client` for up to `wanted` replicas (as many as are connected)
 * and resolves with how many acknowledged. Fewer than wanted means the
 * replicas are down or lagging, not that the writes failed.
 */
export async function waitForReplicas(client: RedisClient, wanted: number, timeoutMs: number): Promise<number> {
  const asked = Math.min(wanted, await connectedReplicas(client));
  if (asked === 0) return 0;
  const acked = sendCommand(client, 'WAIT', [asked, timeoutMs]).then(Number);
  // WAIT itself honours timeoutMs; the margin only guards against a hung socket.
  return withTimeout(acked, timeoutMs + 2000, () => new Error('WAIT did not return'));
}
