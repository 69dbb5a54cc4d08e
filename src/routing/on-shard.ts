/**
 * A way to run an operation against a shard's current master that survives re-routing
 * (MOVED during a failover, a dropped connection): the operation is retried on
 * the shard's new queue until the deadline.
 */
import type BeeQueue = require('bee-queue');
import type { RedisClient } from 'redis';
import { QueueUnavailableError } from '../core/errors';
import { withTimeout } from '../core/wait-for';
import { commandClient } from '../bee/queue-connections';
import { isRoutingError, writeRefusalCause } from '../redis/redis-errors';
import type { ShardQueue } from './shard-queue';

/** The command connection of `queue`; throws if it has none (it is being replaced). */
export function clientOf(queue: BeeQueue): RedisClient {
  const client = commandClient(queue);
  if (!client) throw new QueueUnavailableError('queue has no connection');
  return client;
}

/**
 * Runs `op` with the command connection of the shard's current queue. A
 * routing error re-routes the shard and runs `op` again, until `deadline`
 * (epoch ms). Each run is itself bounded by the deadline, so a frozen node
 * cannot hold the caller past it. `op` must therefore be safe to repeat. A
 * write the node refuses (OOM, MISCONF, NOREPLICAS) is reported to the router
 * and fails at once with {@link QueueUnavailableError}.
 */
export async function onShard<T>(
  router: ShardQueue,
  deadline: number,
  op: (client: RedisClient, queue: BeeQueue) => Promise<T>,
): Promise<T> {
  const late = (): Error => new QueueUnavailableError(`shard ${router.shard.index} did not answer in time`);
  for (;;) {
    const queue = await router.acquire(deadline);
    try {
      return await withTimeout(op(clientOf(queue), queue), Math.max(1, deadline - Date.now()), late);
    } catch (err) {
      const refusal = writeRefusalCause(err);
      if (refusal && !isRoutingError(err)) {
        // Redis is up but takes no writes (full, failing snapshots, too few replicas): the shard cannot work now.
        router.reportError(queue, err);
        throw new QueueUnavailableError(`shard ${router.shard.index} refused the write (${refusal})`, { cause: err });
      }
      if (!isRoutingError(err)) throw err;
      router.reportError(queue, err);
      if (Date.now() >= deadline) throw new QueueUnavailableError(`shard ${router.shard.index} unreachable`, { cause: err });
    }
  }
}
