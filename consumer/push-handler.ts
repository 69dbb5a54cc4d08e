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
import { type CollapseTurns, type Turn, TurnBusyError } from '../src/collapse/collapse-turn';
import { keepForRetry, refundRetry } from '../src/retry/retry-policy';
import { markFinishedByScript, type RunFinish, runFinishOf } from '../src/bee/script-finish';
import { peekedSlot } from '../src/bee/take-job';
import { type FailedPush, type FailureDeps, handleFailure } from './push-failure';

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
    const run = runOf(deps, job);
    const settled = await settledBefore(deps, run, now());
    if (settled) return settled;
    // Waiting for the pair's turn holds no lane slot: the gate covers the send only.
    const turn = await takeTurn(deps, run);
    if (turn.kind !== 'send') return dropped(deps, run, turn.kind);
    return sendAndRecord(deps, run, turn);
  };
}

/** One run of a push job and where it lives. */
interface Run extends FailedPush {
  router: ShardQueue;
}

function runOf(deps: PushHandlerDeps, job: BeeQueue.Job<unknown>): Run {
  const push = job.data as PushJobData;
  const router = deps.routers.get(job.queue.name);
  if (!router) throw new Error(`job from unknown queue ${job.queue.name}`);
  const shard = router.shard;
  const context = { messageId: push.messageId, recipientId: push.recipientId, shard: shard.index, attempt: attemptOf(job) };
  return { job, push, router, shard, redis: clientOf(job.queue), context };
}

/** The outcome if the push needs no send: its marker says it was handled (a re-run), or it expired. */
async function settledBefore(deps: PushHandlerDeps, run: Run, now: number): Promise<PushOutcome | undefined> {
  const { push, shard, redis, context } = run;
  const prior = await deps.outcomes.outcomeOf(redis, shard, push, peekedSlot(run.job));
  if (prior === 'delivered' || prior === 'expired' || prior === 'collapsed') {
    deps.log.info({ ...context, prior }, 'push already handled; not sent again');
    deps.events.skipped();
    return 'skipped';
  }
  if (push.expiresAt === undefined || now <= push.expiresAt) return undefined;
  await finishWith(run, (finish) => deps.outcomes.record(redis, shard, push, 'expired', finish));
  deps.log.info(context, 'push expired before it could be sent; dropped');
  deps.events.expired();
  return 'expired';
}

/**
 * Takes the push's turn on its (recipient, collapseKey) pair. A run that
 * waited too long for another's turn never tried the upstream: it is retried
 * without using up a retry, and is no failure of the push.
 */
async function takeTurn(deps: PushHandlerDeps, run: Run): Promise<Turn> {
  try {
    return await deps.turns.take(run.push, String(run.job.id));
  } catch (err) {
    if (err instanceof TurnBusyError) refundRetry(run.job);
    else await handleFailure(deps, run, err);
    throw err;
  }
}

/** Sends the push under its turn, writes its delivered marker, and gives the turn back. */
async function sendAndRecord(deps: PushHandlerDeps, run: Run, turn: Extract<Turn, { kind: 'send' }>): Promise<PushOutcome> {
  const { job, push, router, shard, redis, context } = run;
  try {
    await deps.client.send(turn.collapsedCount > 0 ? { ...push, collapsedCount: turn.collapsedCount } : push, { shard, redis }, turn.signal);
  } catch (sendErr) {
    // A send stopped because the turn was lost fails as that, whatever the HTTP layer made of the abort.
    const err: unknown = turn.signal?.aborted ? turn.signal.reason : sendErr;
    await turn.finish(false);
    await handleFailure(deps, run, err);
    throw err;
  }
  try {
    // Not simply through `redis`: the connection the job came in on may be gone by now.
    await finishWith(run, (finish) => recordDelivered(router, job.queue, (c) => deps.outcomes.record(c, shard, push, 'delivered', finish)));
  } catch (err) {
    // The job fails and runs again (sending again): its turn must not stay renewed meanwhile.
    await turn.finish(false);
    throw err;
  }
  await turn.finish(true);
  deps.log.debug({ ...context, collapsedCount: turn.collapsedCount }, 'push delivered');
  deps.events.delivered(push);
  return 'delivered';
}

/**
 * Records a push its pair's turn refused: collapsed (a newer push of the pair
 * exists), or stale (its pair's state and its own record are gone: recorded
 * as expired). The marker counts once however often this repeats; if it
 * cannot be written, the job keeps a run, so the push is not dropped unseen.
 */
async function dropped(deps: PushHandlerDeps, run: Run, kind: 'collapsed' | 'stale'): Promise<PushOutcome> {
  const outcome = kind === 'collapsed' ? 'collapsed' : 'expired';
  const { router, job, push, context } = run;
  const changed = await finishWith(run, (finish) => recordDelivered(router, job.queue, (c) => deps.outcomes.record(c, router.shard, push, outcome, finish))).catch(
    (err: unknown) => {
      keepForRetry(job);
      throw err;
    },
  );
  deps.log.debug({ ...context, outcome }, kind === 'collapsed' ? 'push superseded by a newer one; not sent' : 'push too old to order; dropped');
  if (changed) {
    if (outcome === 'collapsed') deps.events.collapsed();
    else deps.events.expired();
  }
  return outcome;
}

/**
 * Runs `record`, the write of a final outcome, so that it also finishes the
 * job's run (bee/script-finish): one script instead of the outcome's and
 * then Bee-Queue's own finish. Only once it succeeded is Bee-Queue told to
 * skip its finish; a failed write leaves the run to fail as before.
 */
async function finishWith<T>(run: Run, record: (finish: RunFinish | undefined) => Promise<T>): Promise<T> {
  const finish = runFinishOf(run.job);
  const result = await record(finish);
  if (finish) markFinishedByScript(run.job);
  return result;
}

/** 1 for the first run of a job: one more than the failed runs recorded so far. */
export function attemptOf(job: BeeQueue.Job<unknown>): number {
  return failedRunsOf(job) + 1;
}
