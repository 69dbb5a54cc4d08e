/**
 * The retry fields of a Bee-Queue (2.0.0) job and queue: `options.retries`
 * (retries left; Bee-Queue decrements it as it schedules each retry),
 * `options.backoff` (`{strategy, delay}`, here with a cap), and the queue's
 * `backoffStrategies` map, whose function Bee-Queue calls for the delay
 * before it records the current failure (lib/queue.js `_finishJob`).
 */
import type BeeQueue = require('bee-queue');
import type { BackoffOptions, RetryJobOptions } from './job-json';

type AnyJob = BeeQueue.Job<unknown>;

/** The options that give a new job `retries` retries with `backoff`, and an empty failure history. */
export function retryJobOptions(retries: number, backoff: BackoffOptions): RetryJobOptions {
  return { retries, backoff, stacktraces: [] };
}

/** Registers `delayOf` as backoff strategy `name` on `queue`: its workers ask it for a failed job's retry delay. */
export function registerBackoffStrategy(queue: BeeQueue, name: string, delayOf: (job: AnyJob) => number): void {
  queue.backoffStrategies.set(name, delayOf);
}

/** The backoff the job was saved with. */
export function backoffOf(job: AnyJob): BackoffOptions {
  return job.options.backoff as BackoffOptions;
}

/** How many retries `job` has left; 0 during its last run. */
export function retriesLeft(job: AnyJob): number {
  return job.options.retries as number;
}

/** Sets how many retries `job` has left, for Bee-Queue to act on when this run ends. */
export function setRetriesLeft(job: AnyJob, retries: number): void {
  job.options.retries = retries;
}
