/**
 * Durable bulk enqueue of one message's pushes. Each shard's pushes are saved
 * in chunks, one Lua call per chunk in Bee-Queue's own job format (see
 * bee/bulk-writer), shards in parallel. Job ids are derived from message and
 * recipient, so a chunk retried after a lost connection or a failover cannot
 * create a second job: ids that exist are skipped.
 *
 * The chunks go out on connections the intake leases for itself, one per
 * node (see intake-session), never on the node's shared connection: the WAIT
 * that follows blocks its connection, and must cover exactly these writes.
 */
import type { JobRetryConfig } from '../config/config';
import { QueueUnavailableError } from '../core/errors';
import { withTimeout } from '../core/wait-for';
import type { PushTemplate } from '../push/push-job';
import { addJobs } from '../bee/bulk-writer';
import { jobJsonFactory } from '../bee/job-json';
import type { QueueKeys } from '../queue/queue-keys';
import { pushJobId } from '../push/push-job';
import type { RedisClient } from 'redis';
import { isEnded } from '../bee/node-redis-internals';
import { IntakeSession } from '../routing/intake-session';
import { onShard } from '../routing/on-shard';
import { isRoutingError } from '../redis/redis-errors';
import { waitForReplicas } from '../redis/replication';
import { retryOptions } from '../retry/retry-policy';
import type { Lane } from '../queue/lane';
import type { ShardQueue } from '../routing/shard-queue';
import type { ShardSet } from '../routing/shard-set';

/** How pushes are made durable; fixed per process, from config. */
export interface EnqueuePolicy {
  keys: QueueKeys;
  chunkSize: number;
  /** How long an intake may take before it fails with 503. */
  timeoutMs: number;
  retry: JobRetryConfig;
  /** Replicas that must have the intake's writes before a 202 (0: don't wait); WAITed once per node. */
  waitReplicas: number;
  waitTimeoutMs: number;
  /** Told when fewer replicas than asked confirmed a node's writes (degraded durability). */
  onUnreplicated?: (shardIndex: number, acked: number) => void;
  /** Told how many replicas confirmed each node's writes (once per node per intake, when waiting). */
  onReplicaAcks?: (acked: number) => void;
}

/**
 * Saves one push per recipient on `lane`'s shards. Resolves only when every
 * push is in Redis;
 * rejects with {@link QueueUnavailableError} if that cannot be done by the
 * deadline. A rejected call may have saved some pushes; calling again with the
 * same message saves the rest and duplicates none of those still queued.
 */
export async function enqueuePushes(
  shards: ShardSet,
  lane: Lane,
  template: PushTemplate,
  recipientsByShard: readonly string[][],
  policy: EnqueuePolicy,
  deadline: number = Date.now() + policy.timeoutMs,
): Promise<void> {
  const options = { ...retryOptions(policy.retry), timestamp: Date.now(), ...(template.sendAt ? { delay: template.sendAt } : {}) };
  const jsonFor = jobJsonFactory({ ...template }, options);
  const session = new IntakeSession(shards.intake, deadline);
  let settled = false;
  try {
    // If a node failed over before its replicas had the writes, save again on the new master.
    for (;;) {
      const written = await saveAll(shards.lane(lane), session, template, jsonFor, recipientsByShard, policy, deadline);
      if (await bounded(replicated(written, policy), deadline)) break;
    }
    settled = true;
  } finally {
    // Only a finished intake has no command left pending on its connections.
    session.finish(settled);
  }
}

/**
 * Saves every shard's pushes on its router in `routers` (one lane's), chunk
 * by chunk, shards in parallel. Resolves
 * with the connections the chunks went through (one per node): WAIT must run
 * on those, not on whatever replaced them.
 */
async function saveAll(
  routers: readonly ShardQueue[],
  session: IntakeSession,
  template: PushTemplate,
  jsonFor: (recipientId: string) => string,
  recipientsByShard: readonly string[][],
  policy: EnqueuePolicy,
  deadline: number,
): Promise<Map<RedisClient, number>> {
  const written = new Map<RedisClient, number>();
  await Promise.all(
    recipientsByShard.map(async (recipients, index) => {
      for (let start = 0; start < recipients.length; start += policy.chunkSize) {
        // JSON is built per chunk, so a large room never holds all its jobs' text at once.
        const chunk = recipients.slice(start, start + policy.chunkSize);
        const jobs = chunk.map((r) => ({ id: pushJobId(template.messageId, r, template.epoch), json: jsonFor(r) }));
        const router = routers[index];
        if (!router) throw new RangeError(`no shard ${index} (have ${routers.length})`);
        written.set(await bounded(saveChunk(router, session, jobs, template.sendAt, policy, deadline), deadline), index);
      }
    }),
  );
  return written;
}

/**
 * Saves one chunk on the intake's connection to the shard's current node;
 * re-routes and retries until the deadline. Resolves with the connection that took it.
 */
function saveChunk(
  router: ShardQueue,
  session: IntakeSession,
  jobs: { id: string; json: string }[],
  sendAt: number | undefined,
  policy: EnqueuePolicy,
  deadline: number,
): Promise<RedisClient> {
  return onShard(router, deadline, async (shared) => {
    const client = await session.connectionFor(shared);
    try {
      await addJobs(client, policy.keys.beeKeys(router.shard), jobs, sendAt);
    } catch (err) {
      // The intake failed elsewhere and ended its own connections under this chunk: that says nothing
      // about this shard's node, so it must not look like a lost connection and re-route the shard.
      if (session.isFinished) throw new QueueUnavailableError('the intake has ended', { cause: err });
      throw err;
    }
    return client;
  });
}

/**
 * One WAIT per connection the chunks were written on (one per node, the
 * intake's own, so concurrent intakes WAIT side by side). False
 * if a connection broke meanwhile: its writes may be gone with the node, so
 * the caller saves again.
 */
async function replicated(written: Map<RedisClient, number>, policy: EnqueuePolicy): Promise<boolean> {
  if (policy.waitReplicas === 0) return true;
  const outcomes = await Promise.all(
    [...written].map(async ([client, shardIndex]) => {
      if (isEnded(client)) return false;
      try {
        const acked = await waitForReplicas(client, policy.waitReplicas, policy.waitTimeoutMs);
        policy.onReplicaAcks?.(acked);
        if (acked < policy.waitReplicas) policy.onUnreplicated?.(shardIndex, acked);
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
