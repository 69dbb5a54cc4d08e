/**
 * The failure history Bee-Queue (2.0.0) keeps in a job's options, and the
 * error handed back to it for a failed run (whose `stack` it stores).
 */
import type BeeQueue = require('bee-queue');

/**
 * The failure history Bee-Queue keeps in a job's options. On every failed
 * run, `Queue#_finishJob` (lib/queue.js) first asks the backoff strategy for
 * the delay, then prepends `err.stack || err.message` to
 * `options.stacktraces`, and stores the whole job JSON again. Left alone
 * that array grows by a full stack trace (~500 B) per run. `droppedTraces`
 * is ours: how many old entries were cut off, so the count of failed runs
 * survives the trimming.
 */
interface FailureHistory {
  stacktraces: string[];
  droppedTraces?: number;
}

function historyOf(job: BeeQueue.Job<unknown>): FailureHistory {
  return job.options as unknown as FailureHistory;
}

/** How many runs of `job` have failed and been recorded by Bee-Queue so far. */
export function failedRunsOf(job: BeeQueue.Job<unknown>): number {
  const history = historyOf(job);
  return history.stacktraces.length + (history.droppedTraces ?? 0);
}

/**
 * Makes room for the failure Bee-Queue is about to record: keeps the newest
 * `keep - 1` entries of the history and counts the rest as dropped, so the
 * stored history never holds more than `keep` entries.
 */
export function trimFailureHistory(job: BeeQueue.Job<unknown>, keep: number): void {
  const history = historyOf(job);
  // Newest first (Bee-Queue unshifts), so the oldest are at the end.
  const excess = history.stacktraces.length - (keep - 1);
  if (excess <= 0) return;
  history.stacktraces.splice(keep - 1, excess);
  history.droppedTraces = (history.droppedTraces ?? 0) + excess;
}

/** Longest failure reason kept in a stored job. */
const MAX_REASON_CHARS = 200;

/**
 * The error to hand back to Bee-Queue for a failed run: its `stack`, which
 * Bee-Queue stores, is a one-line reason (`attempt 3: <message>`) instead of
 * a stack trace. The original stays reachable as `cause` for logging.
 */
export function storableFailure(err: unknown, attempt: number): Error {
  const message = err instanceof Error ? err.message : String(err);
  const failure = new Error(message, { cause: err });
  failure.stack = `attempt ${attempt}: ${message}`.slice(0, MAX_REASON_CHARS);
  return failure;
}
