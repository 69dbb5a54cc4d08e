/**
 * The retry policy of a push job: how many runs it gets, how long each
 * retry waits, and what a failure does to the job. Bee-Queue's own
 * exponential strategy has neither jitter (so a burst of failures retries in
 * lockstep and hits the recovering upstream all at once) nor a cap (so the
 * tenth retry waits for hours). This one has both (the service's one jitter
 * formula, core/backoff), and honours a minimum delay the upstream asked for
 * with Retry-After. How Bee-Queue stores it is src/bee's concern.
 */
import type BeeQueue = require('bee-queue');
import type { JobRetryConfig } from '../config/config';
import { equalJitter } from '../core/backoff';
import { PermanentPushError, TransientPushError } from '../core/errors';
import { failedRunsOf } from '../bee/failure-history';
import type { RetryJobOptions } from '../bee/job-json';
import { backoffOf, registerBackoffStrategy, retriesLeft, retryJobOptions, setRetriesLeft } from '../bee/job-retry';

/** The strategy's name, as stored in each job's options. */
export const PUSH_BACKOFF = 'push-jitter';

type AnyJob = BeeQueue.Job<unknown>;

/**
 * Minimum delays asked for by the upstream, per job object. A WeakMap keeps
 * the hint off the stored job (it applies to this failure only) and lets it
 * be collected with the job.
 */
const retryAfterHints = new WeakMap<AnyJob, number>();

/** Asks that `job`'s next retry wait at least `ms` (from Retry-After). */
export function retryNoSoonerThan(job: AnyJob, ms: number): void {
  retryAfterHints.set(job, ms);
}

/**
 * The delay before retry n+1: exponential in the number of failures so far,
 * capped, with "equal jitter" (half fixed, half random) so retries spread out
 * but never come sooner than half the nominal delay.
 */
export function pushBackoffDelay(job: AnyJob): number {
  const backoff = backoffOf(job);
  // Bee-Queue calls this before recording the current failure, so this is
  // the number of earlier failures.
  const failures = failedRunsOf(job);
  const jittered = equalJitter(backoff.delay, backoff.max, failures);
  const floor = retryAfterHints.get(job) ?? 0;
  retryAfterHints.delete(job);
  // 0 would mean "retry at once, skipping the delayed set"; keep at least 1 ms.
  return Math.max(1, Math.round(Math.max(jittered, floor)));
}

/** Registers the strategy on a queue; workers need it to compute a failed job's retry delay. */
export function registerPushBackoff(queue: BeeQueue): void {
  registerBackoffStrategy(queue, PUSH_BACKOFF, pushBackoffDelay);
}

/** Gives a new job its retry budget and backoff. */
export function applyRetryPolicy(job: AnyJob, policy: JobRetryConfig): void {
  Object.assign(job.options, retryOptions(policy));
}

/** The Bee-Queue job options that carry the retry policy, as stored in each job. */
export function retryOptions(policy: JobRetryConfig): RetryJobOptions {
  return retryJobOptions(policy.retries, { strategy: PUSH_BACKOFF, delay: policy.backoffBaseMs, max: policy.backoffMaxMs });
}

/** Makes `job` fail for good on this failure, whatever retries it has left. */
export function forbidRetry(job: AnyJob): void {
  setRetriesLeft(job, 0);
}

/**
 * Applies failure `err` to `job`'s retries: a permanent failure ends the job
 * now; a transient one with Retry-After waits at least that long. Returns
 * whether this failure ends the job (permanent, or its last run).
 */
export function applyFailure(job: AnyJob, err: unknown): { permanent: boolean; final: boolean } {
  const permanent = err instanceof PermanentPushError;
  if (permanent) forbidRetry(job);
  else if (err instanceof TransientPushError && err.retryAfterMs !== undefined) retryNoSoonerThan(job, err.retryAfterMs);
  // Bee-Queue decrements `retries` as it schedules each retry: 0 means this was the last run. A job saved
  // without `retries` (not by this service) has none either: Bee-Queue will not retry it, so it ends here.
  return { permanent, final: permanent || !(retriesLeft(job) > 0) };
}

/** Gives `job` one more run after all: its failure could not be recorded, so it must not end unseen. */
export function keepForRetry(job: AnyJob): void {
  setRetriesLeft(job, Math.max(1, retriesLeft(job)));
}

/** Gives `job` back the retry its failed run is about to use: the run never tried the upstream (it waited its turn). */
export function refundRetry(job: AnyJob): void {
  setRetriesLeft(job, retriesLeft(job) + 1);
}
