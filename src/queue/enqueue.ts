/**
 * Durable bulk enqueue of one message's pushes. Each shard's pushes are saved
 * in chunks, one Lua call per chunk in Bee-Queue's own job format (see
 * bulk-add), shards in parallel. Job ids are derived from message and
 * recipient, so a chunk retried after a lost connection or a failover cannot
 * create a second job: ids that exist are skipped.
 */
import type { JobRetryConfig } from '../config/config';
import { QueueUnavailableError } from '../core/errors';
import { withTimeout } from '../core/wait-for';
import type { PushTemplate } from '../message/push-job';
import { addJobs, jobJsonFactory } from './bulk-add';
import { type QueueKeys, pushJobId } from './queue-keys';
import type { RedisClient } from 'redis';
import { clientOf, onShard } from './redis-command';
import { isRoutingError } from './redis-errors';
import { waitForReplicas } from './replication';
import { retryOptions } from './retry-backoff';
import type { ShardQueue } from './shard-queue';
import type { ShardSet } from './shard-set';

/** How pushes are made durable; fixed per process, from config. */
export interface EnqueuePolicy {
  keys: QueueKeys;
  chunkSize: number;
  /** How long an intake may take before it fails with 503. */
  timeoutMs: number;
  retry: JobRetryConfig;
  /** Replicas that must have each chunk before it counts as saved (0: don't wait). */
  waitReplicas: number;
  waitTimeoutMs: number;
  /** Told when fewer replicas than asked confirmed a chunk (degraded durability). */
  onUnreplicated?: (shardIndex: number, acked: number) => void;
}

/**
 * Saves one push per recipient. Resolves only when every push is in Redis;
 * rejects with {@link QueueUnavailableError} if that cannot be done by the
 * deadline. A rejected call may have saved some pushes; calling again with the
 * same message saves the rest and duplicates none of those still queued.
 */
export async function enqueuePushes(
  shards: ShardSet,
  template: PushTemplate,
  recipientsByShard: readonly string[][],
  policy: EnqueuePolicy,
  deadline: number = Date.now() + policy.timeoutMs,
): Promise<void> {
  const options = { ...retryOptions(policy.retry), timestamp: Date.now(), ...(template.sendAt ? { delay: template.sendAt } : {}) };
  const jsonFor = jobJsonFactory({ ...template }, options);
  const used = recipientsByShard.flatMap((r, i) => (r.length > 0 ? [shards.get(i)] : []));
  for (;;) {
    await Promise.all(
      recipientsByShard.map(async (recipients, index) => {
        for (let start = 0; start < recipients.length; start += policy.chunkSize) {
          // JSON is built per chunk, so a large room never holds all its jobs' text at once.
          const chunk = recipients.slice(start, start + policy.chunkSize);
          const jobs = chunk.map((r) => ({ id: pushJobId(template.messageId, r), json: jsonFor(r) }));
          await bounded(saveChunk(shards.get(index), jobs, template.sendAt, policy, deadline), deadline);
        }
      }),
    );
    // If a node failed over before its replicas had the writes, save again on the new master.
    if (await bounded(replicated(used, policy, deadline), deadline)) return;
  }
}

/** Saves one chunk; re-routes and retries until the deadline. */
function saveChunk(router: ShardQueue, jobs: { id: string; json: string }[], sendAt: number | undefined, policy: EnqueuePolicy, deadline: number): Promise<number> {
  return onShard(router, deadline, (client) => addJobs(client, policy.keys, router.shard, jobs, sendAt));
}

/**
 * One WAIT per node the shards were written on. False if a node's route
 * broke meanwhile: its writes may be gone with it, so the caller saves again.
 */
async function replicated(routers: ShardQueue[], policy: EnqueuePolicy, deadline: number): Promise<boolean> {
  if (policy.waitReplicas === 0) return true;
  const byNode = new Map<RedisClient, ShardQueue>();
  for (const router of routers) {
    const queue = await router.acquire(deadline);
    byNode.set(clientOf(queue), router);
  }
  const outcomes = await Promise.all(
    [...byNode].map(async ([client, router]) => {
      try {
        const acked = await waitForReplicas(client, policy.waitReplicas, policy.waitTimeoutMs);
        if (acked < policy.waitReplicas) policy.onUnreplicated?.(router.shard.index, acked);
        return true;
      } catch (err) {
        if (!isRoutingError(err)) throw err;
        return false;
      }
    }),
  );
  return outcomes.every(Boolean);
}

/** Fails `work` with a 503 if it outlives the intake's deadline, or fails for another reason. */
async function bounded<T>(work: Promise<T>, deadline: number): Promise<T> {
  const remaining = Math.max(1, deadline - Date.now());
  try {
    return await withTimeout(work, remaining, () => new QueueUnavailableError('the intake timed out'));
  } catch (err) {
    if (err instanceof QueueUnavailableError) throw err;
    throw new QueueUnavailableError('Redis refused the write', { cause: err });
  }
}
