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
import type { Shard } from '../src/queue/queue-keys';
import { delay } from '../src/core/wait-for';
import { clientOf } from '../src/queue/redis-command';
import { type WriteRefusal, writeRefusalCause } from '../src/queue/redis-errors';
import { equalJitter } from '../src/queue/retry-backoff';
import { type FailureDeps, handleFailure } from './push-failure';

/**
 * How long a delivery marker refused by a full Redis is retried. The job keeps
 * its slot and its stall heartbeat (SREM, which a full Redis still takes)
 * meanwhile; giving up earlier would fail the job, and its re-run after
 * recovery would send the push a second time.
 */
const MARKER_RETRY_WINDOW_MS = 120_000;
const MARKER_RETRY_MAX_PAUSE_MS = 1000;

/** What a handled job resolves with. */
export type PushOutcome = 'delivered' | 'expired' | 'skipped';

/** What the handler needs. */
export interface PushHandlerDeps extends FailureDeps {
  client: PushClient;
  outcomes: OutcomeStore;
  /** Shards by Bee-Queue queue name, to find a job's shard. */
  shards: ReadonlyMap<string, Shard>;
  log: Logger;
  now?: () => number;
  /** Told about each refused write of a delivery marker (each is retried), e.g. to count it. */
  onWriteRefused?: (cause: WriteRefusal) => void;
}

/** Builds the Bee-Queue handler for push jobs. */
export function createPushHandler(deps: PushHandlerDeps): (job: BeeQueue.Job<unknown>) => Promise<PushOutcome> {
  const now = deps.now ?? Date.now;
  return async (job) => {
    const push = job.data as PushJobData;
    const shard = deps.shards.get(job.queue.name);
    if (!shard) throw new Error(`job from unknown queue ${job.queue.name}`);
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
    await untilWritten(() => deps.outcomes.record(redis, shard, push.messageId, push.recipientId, 'delivered'), deps.onWriteRefused);
    deps.log.debug(context, 'push delivered');
    deps.events.delivered(push);
    return 'delivered';
  };
}

/** 1 for the first run of a job; Bee-Queue keeps one stack trace per failed run. */
export function attemptOf(job: BeeQueue.Job<unknown>): number {
  return (job.options.stacktraces as unknown[]).length + 1;
}

/** Runs `write`, again after a capped pause while Redis refuses it (OOM, MISCONF, NOREPLICAS), within the window. */
async function untilWritten(write: () => Promise<unknown>, onRefused?: (cause: WriteRefusal) => void): Promise<void> {
  const giveUpAt = Date.now() + MARKER_RETRY_WINDOW_MS;
  for (let failures = 0; ; failures++) {
    try {
      await write();
      return;
    } catch (err) {
      const cause = writeRefusalCause(err);
      if (cause) onRefused?.(cause);
      // READONLY means the shard moved: this connection will never take the write.
      if (!cause || cause === 'readonly' || Date.now() >= giveUpAt) throw err;
      await delay(equalJitter(100, MARKER_RETRY_MAX_PAUSE_MS, failures));
    }
  }
}
