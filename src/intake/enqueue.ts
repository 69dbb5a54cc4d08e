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
 *
 * A message with a collapseKey also bumps each recipient's collapse state
 * (collapse/collapse-state) after each chunk's jobs are written, never
 * before: a bump that is lost only leaves pushes uncollapsed, whereas one
 * written for jobs that never arrive would collapse older pushes into
 * nothing. The bump goes out on the intake's connection too, so WAIT covers it.
 */
import type { JobRetryConfig } from '../config/config';
import { QueueUnavailableError } from '../core/errors';
import { withTimeout } from '../core/wait-for';
import type { PushTemplate } from '../push/push-job';
import { addTemplatedJobs } from '../bee/bulk-writer';
import { type JobJsonTemplate, jobJsonTemplate } from '../bee/job-json';
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
import { CollapseState, type Position, positionOf } from '../collapse/collapse-state';
import { shardIndexFor } from '../routing/shard-index';

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
  /** Pushes with a collapseKey and no sendAt are due this long after intake (0 or absent: at once). */
  collapseHoldMs?: number;
}

/** How one intake's enqueue runs. */
export interface EnqueueRun {
  /** When the intake fails with 503; by default the policy's timeout from now. */
  deadline?: number;
  /** Pushes carry their marker slot (true by default); false for a takeover of an intake begun without. */
  indexed?: boolean;
  /**
   * One more write that the intake's WAIT must cover (the message's claim, which fixed the epoch
   * every push id carries): on the intake's own connection, beside the chunks, again after a failover.
   */
  alongside?: { router: ShardQueue; write: (client: RedisClient) => Promise<void> };
}

/**
 * Saves one push per recipient on `lane`'s shards. Resolves only when every
 * push is in Redis (and on as many replicas as the policy asks);
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
  run: EnqueueRun = {},
): Promise<void> {
  const deadline = run.deadline ?? Date.now() + policy.timeoutMs;
  const due = template.sendAt ?? heldUntil(template, policy);
  const options = { ...retryOptions(policy.retry), timestamp: Date.now(), ...(due ? { delay: due } : {}) };
  const jobs: MessageJobs = {
    template: jobJsonTemplate({ ...template }, options, run.indexed ?? true),
    // pushJobId(messageId, r, epoch) is this prefix followed by r.
    idPrefix: pushJobId(template.messageId, '', template.epoch),
  };
  const writes: ChunkWrites = { lane: shards.lane(lane), homes: shards.lane('interactive'), due, position: positionOf(template), state: new CollapseState(policy.keys) };
  const session = new IntakeSession(shards.intake, deadline);
  const { alongside } = run;
  let settled = false;
  try {
    // If a node failed over before its replicas had the writes, save again on the new master.
    for (;;) {
      const [written, other] = await Promise.all([
        saveAll(writes, session, template, jobs, recipientsByShard, policy, deadline),
        alongside ? bounded(onIntakeConnection(alongside.router, session, deadline, alongside.write), deadline) : undefined,
      ]);
      if (other && alongside && !written.has(other)) written.set(other, alongside.router.shard.index);
      if (await bounded(replicated(written, policy), deadline)) break;
    }
    settled = true;
  } finally {
    // Only a finished intake has no command left pending on its connections.
    session.finish(settled);
  }
}

/**
 * What every job of the message shares: its JSON around the recipient (with an index slot unless
 * the intake is unindexed), and its id before the recipient.
 */
interface MessageJobs {
  template: JobJsonTemplate;
  idPrefix: string;
}

/** When a collapsible push without sendAt is due under the hold (undefined: no hold). */
function heldUntil(template: PushTemplate, policy: EnqueuePolicy): number | undefined {
  const hold = policy.collapseHoldMs ?? 0;
  return hold > 0 && template.collapseKey !== undefined ? Date.now() + hold : undefined;
}

/** Where one intake's chunks go: the lane's routers, the collapse state's homes (interactive), and when jobs are due. */
interface ChunkWrites {
  lane: readonly ShardQueue[];
  homes: readonly ShardQueue[];
  due: number | undefined;
  /** The message's collapse position; undefined if it does not collapse. */
  position: Position | undefined;
  state: CollapseState;
}

/**
 * Saves every shard's pushes on its router of the lane, chunk
 * by chunk, shards in parallel, each chunk followed by its collapse bump. Resolves
 * with the connections the chunks went through (one per node): WAIT must run
 * on those, not on whatever replaced them.
 */
async function saveAll(
  writes: ChunkWrites,
  session: IntakeSession,
  template: PushTemplate,
  jobs: MessageJobs,
  recipientsByShard: readonly string[][],
  policy: EnqueuePolicy,
  deadline: number,
): Promise<Map<RedisClient, number>> {
  const written = new Map<RedisClient, number>();
  await Promise.all(
    recipientsByShard.map(async (recipients, index) => {
      for (let start = 0; start < recipients.length; start += policy.chunkSize) {
        // Redis builds each job's JSON from the template, so only the recipient ids travel per push.
        const chunk = recipients.slice(start, start + policy.chunkSize);
        // The index is the position in the shard's group: the same on a takeover with the same recipients.
        const batch = { ...jobs, recipients: chunk, firstIndex: start };
        const router = writes.lane[index];
        const home = writes.homes[index];
        if (!router || !home) throw new RangeError(`no shard ${index} (have ${writes.lane.length})`);
        const save = (c: RedisClient): Promise<unknown> => addTemplatedJobs(c, policy.keys.beeKeys(router.shard), batch, writes.due);
        written.set(await bounded(onIntakeConnection(router, session, deadline, save), deadline), index);
        const { position } = writes;
        if (!position) continue;
        const bump = (c: RedisClient): Promise<unknown> => writes.state.bump(c, home.shard, position, chunk);
        written.set(await bounded(onIntakeConnection(home, session, deadline, bump), deadline), index);
      }
    }),
  );
  if (writes.position) {
    const index = shardIndexFor(template.senderId, writes.homes.length);
    written.set(await markSenderSeen(writes.homes[index], writes, writes.position, session, template.senderId, deadline), index);
  }
  return written;
}

/** The sender's own pair (see CollapseState.markSeen), on the intake's connection so WAIT covers it too. */
async function markSenderSeen(
  home: ShardQueue | undefined,
  writes: ChunkWrites,
  position: Position,
  session: IntakeSession,
  senderId: string,
  deadline: number,
): Promise<RedisClient> {
  if (!home) throw new RangeError(`no home shard for sender (have ${writes.homes.length})`);
  const mark = (c: RedisClient): Promise<unknown> => writes.state.markSeen(c, home.shard, position, senderId);
  return bounded(onIntakeConnection(home, session, deadline, mark), deadline);
}

/**
 * Runs one write (a chunk, a bump) on the intake's connection to the shard's current node;
 * re-routes and retries until the deadline. Resolves with the connection that took it.
 */
function onIntakeConnection(router: ShardQueue, session: IntakeSession, deadline: number, write: (client: RedisClient) => Promise<unknown>): Promise<RedisClient> {
  return onShard(router, deadline, async (shared) => {
    const client = await session.connectionFor(shared);
    try {
      await write(client);
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
