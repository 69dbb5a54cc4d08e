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
import { onShard } from './redis-command';
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
  await Promise.all(
    recipientsByShard.map(async (recipients, index) => {
      for (let start = 0; start < recipients.length; start += policy.chunkSize) {
        // JSON is built per chunk, so a large room never holds all its jobs' text at once.
        const jobs = recipients.slice(start, start + policy.chunkSize).map((r) => ({ id: pushJobId(template.messageId, r), json: jsonFor(r) }));
        await saveChunk(shards.get(index), jobs, template.sendAt, policy, deadline);
      }
    }),
  );
}

/** Saves one chunk and, if asked, waits for replicas; re-routes and retries until the deadline. */
async function saveChunk(
  router: ShardQueue,
  jobs: { id: string; json: string }[],
  sendAt: number | undefined,
  policy: EnqueuePolicy,
  deadline: number,
): Promise<void> {
  const save = onShard(router, deadline, async (client, queue) => {
    await addJobs(client, policy.keys, router.shard, jobs, sendAt);
    if (policy.waitReplicas === 0) return;
    const acked = await waitForReplicas(queue, policy.waitReplicas, policy.waitTimeoutMs);
    if (acked < policy.waitReplicas) policy.onUnreplicated?.(router.shard.index, acked);
  });
  const remaining = Math.max(1, deadline - Date.now());
  try {
    await withTimeout(save, remaining, () => new QueueUnavailableError(`shard ${router.shard.index}: save timed out`));
  } catch (err) {
    if (err instanceof QueueUnavailableError) throw err;
    throw new QueueUnavailableError('Redis refused the write', { cause: err });
  }
}
