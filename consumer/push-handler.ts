/**
 * The job handler. Per push: skip it if its delivery marker says it went
 * out already (a re-run after a crash or failover), drop it if it expired,
 * send it otherwise, and record the outcome. The marker is written only
 * after the proxy's 2xx, so a crash in between re-sends (at-least-once),
 * with the same Idempotency-Key for the proxy to drop.
 */
import type BeeQueue = require('bee-queue');
import type { Logger } from '../src/core/logger';
import type { OutcomeStore } from '../src/delivery/outcome-store';
import type { PushJobData } from '../src/message/push-job';
import type { PushClient } from '../src/notify/push-client';
import { clientOf } from '../src/queue/redis-command';
import type { ShardQueue } from '../src/queue/shard-queue';
import { recordDelivered } from '../src/delivery/delivered-marker';
import { type FailureDeps, handleFailure } from './push-failure';

/** What a handled job resolves with. */
export type PushOutcome = 'delivered' | 'expired' | 'skipped';

/** What the handler needs. */
export interface PushHandlerDeps extends FailureDeps {
  client: PushClient;
  outcomes: OutcomeStore;
  /** Shard routers by Bee-Queue queue name, to find a job's shard (and its current connection). */
  routers: ReadonlyMap<string, ShardQueue>;
  log: Logger;
  now?: () => number;
}

/** Builds the Bee-Queue handler for push jobs. */
export function createPushHandler(deps: PushHandlerDeps): (job: BeeQueue.Job<unknown>) => Promise<PushOutcome> {
  const now = deps.now ?? Date.now;
  return async (job) => {
    const push = job.data as PushJobData;
    const router = deps.routers.get(job.queue.name);
    if (!router) throw new Error(`job from unknown queue ${job.queue.name}`);
    const shard = router.shard;
    const redis = clientOf(job.queue);
    const context = { messageId: push.messageId, recipientId: push.recipientId, shard: shard.index, attempt: attemptOf(job) };
    const prior = await deps.outcomes.outcomeOf(redis, shard, push.messageId, push.recipientId);
    if (prior === 'delivered' || prior === 'expired') {
      deps.log.info({ ...context, prior }, 'push already handled; not sent again');
      deps.events.skipped();
      return 'skipped';
    }
    if (push.expiresAt !== undefined && now() > push.expiresAt) {
      await deps.outcomes.record(redis, shard, push.messageId, push.recipientId, 'expired');
      deps.log.info(context, 'push expired before it could be sent; dropped');
      deps.events.expired();
      return 'expired';
    }
    try {
      await deps.client.send(push);
    } catch (err) {
      await handleFailure(deps, { job, push, shard, redis, context }, err);
      throw err;
    }
    // Not simply through `redis`: the connection the job came in on may be gone by now.
    await recordDelivered(router, job.queue, (c) => deps.outcomes.record(c, shard, push.messageId, push.recipientId, 'delivered'));
    deps.log.debug(context, 'push delivered');
    deps.events.delivered(push);
    return 'delivered';
  };
}

/** 1 for the first run of a job; Bee-Queue keeps one stack trace per failed run. */
export function attemptOf(job: BeeQueue.Job<unknown>): number {
  return (job.options.stacktraces as unknown[]).length + 1;
}
