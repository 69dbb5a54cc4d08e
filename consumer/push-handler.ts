/**
 * The job handler. Per push: skip it if its delivery marker says it went
 * out already (a re-run after a crash or failover), drop it if it expired,
 * send it otherwise, and record the outcome. The marker is written only
 * after the proxy's 2xx, so a crash in between re-sends (at-least-once),
 * with the same Idempotency-Key for the proxy to drop.
 */
import type BeeQueue = require('bee-queue');
import type { Logger } from '../src/core/logger';
import type { DeliveryMarkers } from '../src/delivery/delivery-markers';
import type { PushJobData } from '../src/push/push-job';
import type { PushClient } from '../src/notify/push-client';
import { failedRunsOf, storableFailure, trimFailureHistory } from '../src/bee/failure-history';
import { clientOf } from '../src/routing/on-shard';
import type { ShardQueue } from '../src/routing/shard-queue';
import { recordDelivered } from '../src/delivery/delivered-marker';
import { type FailureDeps, handleFailure } from './push-failure';

/** What a handled job resolves with. */
export type PushOutcome = 'delivered' | 'expired' | 'skipped';

/** What the handler needs. */
export interface PushHandlerDeps extends FailureDeps {
  client: PushClient;
  outcomes: DeliveryMarkers;
  /** Shard routers by Bee-Queue queue name, to find a job's shard (and its current connection). */
  routers: ReadonlyMap<string, ShardQueue>;
  log: Logger;
  now?: () => number;
}

/** Failure reasons kept per job (newest first); older runs are only counted. */
const KEPT_FAILURES = 3;

/**
 * Builds the Bee-Queue handler for push jobs. A failed run hands Bee-Queue a
 * one-line reason, and the job keeps only the last {@link KEPT_FAILURES} of
 * them, so a job's stored size stays bounded however often it is retried.
 */
export function createPushHandler(deps: PushHandlerDeps): (job: BeeQueue.Job<unknown>) => Promise<PushOutcome> {
  const handle = handlePush(deps);
  return async (job) => {
    try {
      return await handle(job);
    } catch (err) {
      trimFailureHistory(job, KEPT_FAILURES);
      throw storableFailure(err, attemptOf(job));
    }
  };
}

function handlePush(deps: PushHandlerDeps): (job: BeeQueue.Job<unknown>) => Promise<PushOutcome> {
  const now = deps.now ?? Date.now;
  return async (job) => {
    const push = job.data as PushJobData;
    const router = deps.routers.get(job.queue.name);
    if (!router) throw new Error(`job from unknown queue ${job.queue.name}`);
    const shard = router.shard;
    const redis = clientOf(job.queue);
    const context = { messageId: push.messageId, recipientId: push.recipientId, shard: shard.index, attempt: attemptOf(job) };
    const prior = await deps.outcomes.outcomeOf(redis, shard, push);
    if (prior === 'delivered' || prior === 'expired') {
      deps.log.info({ ...context, prior }, 'push already handled; not sent again');
      deps.events.skipped();
      return 'skipped';
    }
    if (push.expiresAt !== undefined && now() > push.expiresAt) {
      await deps.outcomes.record(redis, shard, push, 'expired');
      deps.log.info(context, 'push expired before it could be sent; dropped');
      deps.events.expired();
      return 'expired';
    }
    try {
      await deps.client.send(push, { shard, redis });
    } catch (err) {
      await handleFailure(deps, { job, push, shard, redis, context }, err);
      throw err;
    }
    // Not simply through `redis`: the connection the job came in on may be gone by now.
    await recordDelivered(router, job.queue, (c) => deps.outcomes.record(c, shard, push, 'delivered'));
    deps.log.debug(context, 'push delivered');
    deps.events.delivered(push);
    return 'delivered';
  };
}

/** 1 for the first run of a job: one more than the failed runs recorded so far. */
export function attemptOf(job: BeeQueue.Job<unknown>): number {
  return failedRunsOf(job) + 1;
}
