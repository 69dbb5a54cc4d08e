/**
 * Dropping a shard's queue for good: on a re-route, a failed build, or close.
 */
import type BeeQueue = require('bee-queue');
import { withTimeout } from '../core/wait-for';
import { detachFromSharedClient, endOwnConnections } from '../bee/queue-connections';

/**
 * Closes `queue`, giving running jobs `timeoutMs` to finish, then ends its
 * connections outright, including any that finish connecting later.
 */
export async function dropQueue(queue: BeeQueue, timeoutMs: number): Promise<void> {
  queue.removeAllListeners('error');
  // Errors from here on belong to a queue nobody uses any more.
  queue.on('error', () => undefined);
  try {
    await withTimeout(queue.close(Math.max(1, timeoutMs)), timeoutMs + 500, () => new Error('close timeout'));
  } catch {
    // Closing a broken queue may fail; ending its connections below is what matters.
  }
  // The shared command connection stays: other shards use it, and the pool replaces it if it broke.
  endOwnConnections(queue);
  // A queue whose build timed out may become ready later: then too, nothing of it may stay behind.
  queue.ready().then(
    () => {
      endOwnConnections(queue);
      detachFromSharedClient(queue);
    },
    () => undefined,
  );
}
