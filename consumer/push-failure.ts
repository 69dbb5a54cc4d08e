/**
 * What a failed push does to its job. A permanent failure uses up the job's
 * retries so Bee-Queue fails it at once; a transient one with Retry-After
 * asks for a retry no sooner. A failure that ends the job (permanent, or the
 * last retry) lands in the dead-letter store with its reason, and counts as
 * failed in the message's status.
 */
import type BeeQueue = require('bee-queue');
import type { RedisClient } from 'redis';
import { PermanentPushError, TransientPushError } from '../src/core/errors';
import type { Logger } from '../src/core/logger';
import type { DeadLetterStore } from '../src/deadletter/dead-letter-store';
import type { DeliveryMarkers } from '../src/delivery/delivery-markers';
import type { PushEvents } from '../src/push/push-events';
import type { PushJobData } from '../src/push/push-job';
import type { Shard } from '../src/queue/shards';
import { applyFailure, keepForRetry } from '../src/retry/retry-policy';

/** What failure handling needs. */
export interface FailureDeps {
  outcomes: DeliveryMarkers;
  deadLetters: DeadLetterStore;
  events: PushEvents;
  log: Logger;
}

/** The failed push and where it lives. */
export interface FailedPush {
  job: BeeQueue.Job<unknown>;
  push: PushJobData;
  shard: Shard;
  redis: RedisClient;
  context: { attempt: number } & Record<string, unknown>;
}

/** Decides the job's fate after `err`, recording a dead letter if it ends here. */
export async function handleFailure(deps: FailureDeps, failed: FailedPush, err: unknown): Promise<void> {
  const { job, push, shard, redis, context } = failed;
  const { permanent, final } = applyFailure(job, err);
  const status = err instanceof PermanentPushError || err instanceof TransientPushError ? err.status : undefined;
  const reason = (err as Error).message;
  if (!final) {
    deps.log.warn({ ...context, status, reason }, 'push failed; will be retried');
    deps.events.failed('transient');
    return;
  }
  const letter = {
    jobId: job.id,
    lane: shard.lane,
    shard: shard.index,
    reason: permanent ? ('rejected' as const) : ('retries_exhausted' as const),
    status: status ?? null,
    error: reason,
    attempts: context.attempt,
    failedAt: Date.now(),
    push,
  };
  try {
    await deps.deadLetters.add(redis, shard, letter);
    await deps.outcomes.record(redis, shard, push, 'failed');
  } catch (err) {
    // Not recorded anywhere yet: keep the job alive, so the push is retried rather than dropped unseen.
    keepForRetry(job);
    throw err;
  }
  deps.events.failed(permanent ? 'rejected' : 'retries_exhausted');
  deps.log.warn({ ...context, status, reason }, permanent ? 'push rejected; dead-lettered' : 'push out of retries; dead-lettered');
}
