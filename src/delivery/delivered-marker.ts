/**
 * Writing a push's "delivered" marker after the proxy's 2xx: the one write
 * whose loss sends the push again (its job would re-run and find no marker).
 * It goes through the connection the job came in on (still the one in use
 * during a graceful shutdown); if that broke meanwhile (a failover, a dropped
 * connection), through the shard's router, re-routed as often as needed. A
 * write Redis refuses
 * (full, failing snapshots, too few replicas) is retried, at most
 * {@link MAX_PAUSE_MS} apart. The job keeps its stall heartbeat meanwhile,
 * for up to {@link WINDOW_MS}; after that the error is the job's failure.
 */
import type BeeQueue = require('bee-queue');
import type { RedisClient } from 'redis';
import { delay } from '../core/wait-for';
import { clientOf, onShard } from '../routing/on-shard';
import { isRoutingError, writeRefusalCause } from '../redis/redis-errors';
import { equalJitter } from '../core/backoff';
import type { ShardQueue } from '../routing/shard-queue';

/** How long the marker is retried before the job fails (and, re-run, sends again). */
const WINDOW_MS = 120_000;
const MAX_PAUSE_MS = 1000;

/**
 * Runs `record` (the marker write, e.g. `DeliveryMarkers.record(..., 'delivered')`, or a
 * final 'collapsed') for a job of `jobQueue` on its shard, and resolves with its result;
 * see the module comment for what is retried.
 */
export async function recordDelivered<T>(router: ShardQueue, jobQueue: BeeQueue, record: (client: RedisClient) => Promise<T>): Promise<T> {
  try {
    return await record(clientOf(jobQueue));
  } catch (err) {
    if (!isRoutingError(err) && !writeRefusalCause(err)) throw err;
    // Counted if refused; re-routes the shard if this is still its queue.
    router.reportError(jobQueue, err);
  }
  const giveUpAt = Date.now() + WINDOW_MS;
  for (let failures = 0; ; failures++) {
    try {
      // onShard re-routes on a lost connection, MOVED or READONLY, and reports (counts) refusals.
      return await onShard(router, giveUpAt, record);
    } catch (err) {
      if (!writeRefusalCause(err) || Date.now() >= giveUpAt) throw err;
      await delay(equalJitter(100, MAX_PAUSE_MS, failures));
    }
  }
}
