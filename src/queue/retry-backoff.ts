/**
 * Bee-Queue's retry delay for failed pushes. Bee-Queue's own exponential
 * strategy has neither jitter (so a burst of failures retries in lockstep and
 * hits the recovering upstream all at once) nor a cap (so the tenth retry
 * waits for hours). This one has both, and honours a minimum delay the
 * upstream asked for with Retry-After.
 */
import type BeeQueue = require('bee-queue');
import type { JobRetryConfig } from '../config/config';
import { equalJitter } from '../core/backoff';
import { failedRunsOf } from '../bee/failure-history';

/** The strategy's name, as stored in each job's options. */
export const PUSH_BACKOFF = 'push-jitter';

/** What the producer stores in `job.options.backoff`. */
interface PushBackoffOptions {
  strategy: string;
  /** Base delay in ms: the first retry waits about this long. */
  delay: number;
  /** Cap in ms for the exponential part. */
  max: number;
}

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
  const backoff = job.options.backoff as PushBackoffOptions;
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
  queue.backoffStrategies.set(PUSH_BACKOFF, pushBackoffDelay);
}

/** Gives a new job its retry budget and backoff. */
export function applyRetryPolicy(job: AnyJob, policy: JobRetryConfig): void {
  Object.assign(job.options, retryOptions(policy));
}

/** The Bee-Queue job options that carry the retry policy, as stored in each job. */
export function retryOptions(policy: JobRetryConfig): { retries: number; backoff: PushBackoffOptions; stacktraces: string[] } {
  return {
    retries: policy.retries,
    backoff: { strategy: PUSH_BACKOFF, delay: policy.backoffBaseMs, max: policy.backoffMaxMs },
    stacktraces: [],
  };
}

/** Makes `job` fail for good on this failure, whatever retries it has left. */
export function forbidRetry(job: AnyJob): void {
  job.options.retries = 0;
}
