/**
 * A queue's bookkeeping of its running jobs, done from outside Bee-Queue
 * (2.0.0): the `stalling` heartbeat and the finish of a job's run, for jobs
 * whose own queue was dropped while they ran (see job-keep-alive).
 */
import type BeeQueue = require('bee-queue');
import { commandClient } from './queue-connections';
import type { BeeSuffix } from './bee-keys';
import type { LoopInternals } from './resilient-loop';


/** Bee-Queue's stall interval when a queue's settings do not say. */
export const DEFAULT_STALL_INTERVAL_MS = 5000;

/** A key of `queue`'s own, as Bee-Queue names it (`<prefix>:<queue>:<suffix>`). */
export function ownKey(queue: BeeQueue, suffix: BeeSuffix): string {
  return (queue as unknown as LoopInternals).toKey(suffix);
}

/** Takes `ids` out of `queue`'s `stalling` set: the heartbeat Bee-Queue gives its own running jobs. */
export function unmarkStalling(queue: BeeQueue, ids: readonly string[]): Promise<void> {
  const client = commandClient(queue);
  if (!client || ids.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    client.srem(ownKey(queue, 'stalling'), ...ids, (err: Error | null) => (err ? reject(err) : resolve()));
  });
}

/**
 * Finishes a run of `job` through `queue`, exactly as Bee-Queue's own finish
 * step (`Queue#_finishJob`) does: out of `active` and `stalling`, then
 * succeeded, retried with its backoff (a retry used up), or failed for good.
 * For a job whose own queue was dropped while it ran (a closed queue refuses
 * to finish it); `queue` is the shard's queue now, with the same keys.
 */
export function finishJob(queue: BeeQueue, job: BeeQueue.Job<unknown>, err: Error | null, data: unknown): Promise<unknown> {
  const q = queue as unknown as { _finishJob(err: Error | null, data: unknown, job: BeeQueue.Job<unknown>): Promise<unknown> };
  return q._finishJob(err, data, job);
}
