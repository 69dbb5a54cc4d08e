/**
 * The job handler: send one push, and tell Bee-Queue whether a failure may be
 * retried. A permanent failure uses up the job's retries so Bee-Queue fails it
 * at once; a transient one with Retry-After asks for a retry no sooner.
 */
import type BeeQueue = require('bee-queue');
import { PermanentPushError, TransientPushError } from '../src/core/errors';
import type { Logger } from '../src/core/logger';
import type { PushJobData } from '../src/message/push-job';
import type { PushClient } from '../src/notify/push-client';
import { forbidRetry, retryNoSoonerThan } from '../src/queue/retry-backoff';

/** The outcome a handled job resolves with. */
export type PushOutcome = 'delivered' | 'expired';

/** What the handler needs. */
export interface PushHandlerDeps {
  client: PushClient;
  log: Logger;
  now?: () => number;
}

/** Builds the Bee-Queue handler for push jobs. */
export function createPushHandler(deps: PushHandlerDeps): (job: BeeQueue.Job<unknown>) => Promise<PushOutcome> {
  const now = deps.now ?? Date.now;
  return async (job) => {
    const push = job.data as PushJobData;
    const context = {
      messageId: push.messageId,
      recipientId: push.recipientId,
      shard: job.queue.name,
      attempt: (job.options.stacktraces as unknown[]).length + 1,
    };
    if (push.expiresAt !== undefined && now() > push.expiresAt) {
      deps.log.info(context, 'push expired before it could be sent; dropped');
      return 'expired';
    }
    try {
      await deps.client.send(push);
    } catch (err) {
      onFailure(job, err, deps.log, context);
      throw err;
    }
    deps.log.debug(context, 'push delivered');
    return 'delivered';
  };
}

function onFailure(job: BeeQueue.Job<unknown>, err: unknown, log: Logger, context: object): void {
  if (err instanceof PermanentPushError) {
    forbidRetry(job);
    log.warn({ ...context, status: err.status }, 'push rejected by the proxy; not retried');
    return;
  }
  if (err instanceof TransientPushError && err.retryAfterMs !== undefined) {
    retryNoSoonerThan(job, err.retryAfterMs);
  }
  const status = err instanceof TransientPushError ? err.status : undefined;
  log.warn({ ...context, status, reason: (err as Error).message }, 'push failed; will retry if retries remain');
}
