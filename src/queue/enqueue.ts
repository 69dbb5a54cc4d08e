/**
 * Durable bulk enqueue of one message's pushes. Each shard's pushes are saved
 * in chunks with Bee-Queue's pipelined `saveAll`, shards in parallel. Job ids
 * are derived from message and recipient, so a save retried after a lost
 * connection or a failover cannot create a second job: Bee-Queue's addJob
 * skips an id that already exists.
 */
import type BeeQueue = require('bee-queue');
import type { JobRetryConfig } from '../config/config';
import { QueueUnavailableError } from '../core/errors';
import { withTimeout } from '../core/wait-for';
import type { PushJobData, PushTemplate } from '../message/push-job';
import { pushJobId } from './queue-keys';
import { isRoutingError } from './redis-errors';
import { waitForReplicas } from './replication';
import { applyRetryPolicy } from './retry-backoff';
import type { ShardQueue } from './shard-queue';
import type { ShardSet } from './shard-set';

/** How pushes are made durable; fixed per process, from config. */
export interface EnqueuePolicy {
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

/** A policy plus the deadline of one intake. */
interface EnqueueOptions extends EnqueuePolicy {
  /** Epoch ms by which every push must be in Redis, or the call fails. */
  deadline: number;
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
  const options: EnqueueOptions = { ...policy, deadline };
  await Promise.all(
    recipientsByShard.map(async (recipients, index) => {
      for (let start = 0; start < recipients.length; start += options.chunkSize) {
        const chunk = recipients.slice(start, start + options.chunkSize);
        await saveChunk(shards.get(index), template, chunk, options);
      }
    }),
  );
}

/** Saves one chunk, re-routing and retrying the unsaved part until the deadline. */
async function saveChunk(
  router: ShardQueue,
  template: PushTemplate,
  recipients: string[],
  options: EnqueueOptions,
): Promise<void> {
  let pending = recipients;
  while (pending.length > 0) {
    const queue = await router.acquire(options.deadline);
    const jobs = pending.map((recipientId) => buildJob(queue, { ...template, recipientId }, options.retry));
    const failed = await saveOnce(router, queue, jobs, options.deadline);
    pending = failed.map((job) => (job.data as PushJobData).recipientId);
    // A chunk that saved only partly is re-saved whole (ids make that
    // harmless); one that saved fully must also be replicated before it counts.
    if (pending.length === 0 && !(await replicated(router, queue, options))) pending = recipients;
  }
}

/** True once the replicas have the chunk, or none are there to wait for; false to re-route. */
async function replicated(router: ShardQueue, queue: BeeQueue, options: EnqueueOptions): Promise<boolean> {
  if (options.waitReplicas === 0) return true;
  try {
    const acked = await waitForReplicas(queue, options.waitReplicas, options.waitTimeoutMs);
    if (acked < options.waitReplicas) options.onUnreplicated?.(router.shard.index, acked);
    return true;
  } catch (err) {
    if (!isRoutingError(err)) throw asUnavailable(err);
    router.reportError(queue, err);
    return false;
  }
}

function buildJob(queue: BeeQueue, data: PushJobData, retry: JobRetryConfig): BeeQueue.Job<unknown> {
  const job = queue.createJob<unknown>(data).setId(pushJobId(data.messageId, data.recipientId));
  applyRetryPolicy(job, retry);
  // Bee-Queue keeps a delayed job in its delayed set; consumers raise it when due.
  if (data.sendAt !== undefined) job.delayUntil(data.sendAt);
  return job;
}

/**
 * One `saveAll`. Returns the jobs that failed for routing reasons (after
 * reporting them, so the shard re-routes); any other failure is fatal for the
 * request, since retrying would not help.
 */
async function saveOnce(
  router: ShardQueue,
  queue: BeeQueue,
  jobs: BeeQueue.Job<unknown>[],
  deadline: number,
): Promise<BeeQueue.Job<unknown>[]> {
  const unavailable = (): Error => new QueueUnavailableError(`shard ${router.shard.index}: save timed out`);
  let errors: Map<BeeQueue.Job<unknown>, Error>;
  try {
    errors = await withTimeout(queue.saveAll(jobs), Math.max(1, deadline - Date.now()), unavailable);
  } catch (err) {
    if (!isRoutingError(err)) throw asUnavailable(err);
    router.reportError(queue, err);
    return jobs;
  }
  const failed = [...errors.keys()];
  const fatal = [...errors.values()].find((err) => !isRoutingError(err));
  if (fatal) throw asUnavailable(fatal);
  if (failed.length > 0) router.reportError(queue, errors.values().next().value);
  return failed;
}

function asUnavailable(err: unknown): Error {
  if (err instanceof QueueUnavailableError) return err;
  return new QueueUnavailableError('Redis refused the write', { cause: err });
}
