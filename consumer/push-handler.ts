/**
 * The job handler. Per push: skip it if its delivery marker says it went
 * out already (a re-run after a crash or failover), drop it if it expired,
 * drop it as collapsed if a newer push of its recipient and collapseKey was
 * accepted (or wait while another push of the pair is in flight: see
 * collapse/collapse-turn), send it otherwise, and record the outcome. The marker is written only
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
import type { CollapseTurns, Turn } from '../src/collapse/collapse-turn';
import { type FailureDeps, handleFailure } from './push-failure';

/** What a handled job resolves with. */
export type PushOutcome = 'delivered' | 'expired' | 'collapsed' | 'skipped';

/** What the handler needs. */
export interface PushHandlerDeps extends FailureDeps {
  client: PushClient;
  outcomes: DeliveryMarkers;
  /** Turns on (recipient, collapseKey) pairs; pushes without a collapseKey always get theirs. */
  turns: CollapseTurns;
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
    if (prior === 'delivered' || prior === 'expired' || prior === 'collapsed') {
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
    const failed = async (err: unknown): Promise<never> => {
      await handleFailure(deps, { job, push, shard, redis, context }, err);
      throw err;
    };
    // Waiting for the pair's turn holds no lane slot: the gate covers the send only.
    const turn: Turn = await deps.turns.take(push, String(job.id)).catch(failed);
    if (turn.kind !== 'send') return dropped(deps, { router, job, push, context }, turn.kind);
    try {
      await deps.client.send(turn.collapsedCount > 0 ? { ...push, collapsedCount: turn.collapsedCount } : push, { shard, redis });
    } catch (err) {
      await turn.finish(false);
      return failed(err);
    }
    try {
      // Not simply through `redis`: the connection the job came in on may be gone by now.
      await recordDelivered(router, job.queue, (c) => deps.outcomes.record(c, shard, push, 'delivered'));
    } catch (err) {
      // The job fails and runs again (sending again): its turn must not stay renewed meanwhile.
      await turn.finish(false);
      throw err;
    }
    await turn.finish(true);
    deps.log.debug({ ...context, collapsedCount: turn.collapsedCount }, 'push delivered');
    deps.events.delivered(push);
    return 'delivered';
  };
}

/**
 * Records a push its pair's turn refused: collapsed (a newer push of the pair
 * exists), or stale (its pair's state and its own record are gone: recorded
 * as expired). The marker counts once however often this repeats.
 */
async function dropped(
  deps: PushHandlerDeps,
  run: { router: ShardQueue; job: BeeQueue.Job<unknown>; push: PushJobData; context: Record<string, unknown> },
  kind: 'collapsed' | 'stale',
): Promise<PushOutcome> {
  const outcome = kind === 'collapsed' ? 'collapsed' : 'expired';
  const { router, job, push, context } = run;
  const changed = await recordDelivered(router, job.queue, (c) => deps.outcomes.record(c, router.shard, push, outcome));
  deps.log.debug({ ...context, outcome }, kind === 'collapsed' ? 'push superseded by a newer one; not sent' : 'push too old to order; dropped');
  if (outcome === 'collapsed' && changed) deps.events.collapsed();
  else if (outcome === 'expired') deps.events.expired();
  return outcome;
}

/** 1 for the first run of a job: one more than the failed runs recorded so far. */
export function attemptOf(job: BeeQueue.Job<unknown>): number {
  return failedRunsOf(job) + 1;
}
