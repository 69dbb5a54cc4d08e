/**
 * Waiting for replicas before acknowledging. Redis replicates asynchronously:
 * a master killed right after a write can take that write with it, and the
 * promoted replica never saw it. WAIT blocks until `replicas` replicas have
 * every write made so far on this connection, so a 202 sent after it cannot
 * be undone by a failover while a replica is healthy.
 */
import type BeeQueue = require('bee-queue');
import { withTimeout } from '../core/wait-for';
import { commandClient } from './bee-internals';

/**
 * Runs WAIT on `queue`'s command connection (the one the jobs were written
 * on) and resolves with how many replicas acknowledged. Fewer than asked
 * means the replicas are down or lagging, not that the write failed.
 */
export async function waitForReplicas(queue: BeeQueue, replicas: number, timeoutMs: number): Promise<number> {
  const client = commandClient(queue);
  if (!client) throw new Error('queue has no connection');
  const acked = new Promise<number>((resolve, reject) => {
    client.send_command('WAIT', [String(replicas), String(timeoutMs)], (err: Error | null, count: unknown) =>
      err ? reject(err) : resolve(Number(count)),
    );
  });
  // WAIT itself honours timeoutMs; the margin only guards against a hung socket.
  return withTimeout(acked, timeoutMs + 2000, () => new Error('WAIT did not return'));
}
