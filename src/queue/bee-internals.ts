/**
 * The few Bee-Queue (2.0.0) internals the router needs, typed in one place.
 * Bee-Queue does not expose its connections, but the router must end them for
 * sure when it drops a queue (a half-connected queue would otherwise leak a
 * socket and a listener), and readiness probes must write through the very
 * connection jobs are written on. Its process loop also has steps that stop
 * for good or back off without bound when Redis refuses a write; see
 * {@link makeLoopResilient}.
 */
import type BeeQueue = require('bee-queue');
import type { RedisClient } from 'redis';
import { delay } from '../core/wait-for';
import { equalJitter } from '../core/backoff';

interface Connections {
  client: RedisClient | null;
  bclient: RedisClient | null;
  eclient: RedisClient | null;
  _emitError: (err: Error) => void;
}

/** The process-loop internals {@link makeLoopResilient} replaces. */
interface LoopInternals extends Connections {
  paused: boolean;
  toKey(name: string): string;
  _waitForJob(): Promise<BeeQueue.Job<unknown> | null>;
  _doStalledJobCheck(): Promise<number>;
  _activateDelayed(): void;
  _evalScript(name: string, ...args: (string | number)[]): Promise<unknown>;
  _delayedTimer: (NodeJS.EventEmitter & { schedule(time: number): void }) | null;
  settings: { delayedDebounce: number };
}

/** The command connection, once the queue has one. */
export function commandClient(queue: BeeQueue): RedisClient | null {
  return (queue as unknown as Connections).client;
}

/**
 * Ends the connections `queue` made for itself (blocking, subscriber) at
 * once, failing whatever is pending on them. The command connection is
 * shared through the pool and left alone.
 */
export function endOwnConnections(queue: BeeQueue): void {
  const { bclient, eclient } = queue as unknown as Connections;
  for (const connection of [bclient, eclient]) {
    // end(true) flushes pending callbacks with an error instead of leaving them hanging.
    if (connection) connection.end(true);
  }
}

/**
 * Takes `queue`'s error listener off the shared command connection. Bee-Queue
 * does this in close() only if the connection was ready by then; a queue whose
 * build timed out while the node was frozen adds its listener when the node
 * thaws, long after it was dropped, and that listener (and the queue it holds)
 * would stay on the shared client for good.
 */
export function detachFromSharedClient(queue: BeeQueue): void {
  const internals = queue as unknown as Connections;
  internals.client?.removeListener('error', internals._emitError);
}

/** `host:port` of the node the queue's command connection talks to. */
export function connectedAddress(queue: BeeQueue): string | undefined {
  const client = commandClient(queue) as (RedisClient & { address?: string }) | null;
  return client?.address;
}

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

/** What {@link makeLoopResilient} reports. */
export interface LoopHooks {
  /** A step of the loop failed; it is retried after a capped backoff. */
  onError(err: unknown): void;
  /** A popped job id had no data: it was taken off `active` and will not come back. */
  onOrphan(jobId: string): void;
  /** Upper bound of the pause before a failed step runs again. */
  maxBackoffMs: number;
}

/**
 * Makes the process loop of `queue` survive any failing step. Bee-Queue 2.0.0:
 * - starts the job loop only if process()'s first stall check succeeds (it
 *   writes, so a full Redis stops consumption for good): the check now reports
 *   its error and lets the loop start; the periodic check catches up;
 * - retries a failed pop after a delay that doubles without bound (a long
 *   outage left a long lag after it): the delay is now capped;
 * - takes a job id without data into `active` and leaves it there (the stall
 *   check puts it back, forever), and miscounts a running slot for it: the
 *   id is now removed and reported, and the next id popped instead;
 * - stops activating delayed jobs until a timer far away when raising them
 *   fails: it now retries after the capped backoff.
 * Call before `process()`.
 */
export function makeLoopResilient(queue: BeeQueue, hooks: LoopHooks): void {
  const q = queue as unknown as LoopInternals;
  const stallCheck = q._doStalledJobCheck.bind(q);
  q._doStalledJobCheck = () =>
    stallCheck().catch((err: unknown) => {
      hooks.onError(err);
      return 0;
    });
  q._waitForJob = () => nextJob(queue, q, hooks);
  q._activateDelayed = () => activateDelayed(q, hooks);
  // The timer was bound to the prototype's method in the constructor.
  q._delayedTimer?.removeAllListeners('trigger');
  q._delayedTimer?.on('trigger', () => q._activateDelayed());
}

/** Pops the next job that has data; null only once the queue is closing. */
async function nextJob(queue: BeeQueue, q: LoopInternals, hooks: LoopHooks): Promise<BeeQueue.Job<unknown> | null> {
  for (let failures = 0; !q.paused; ) {
    try {
      const id = await pop(q);
      if (q.paused) return null;
      const job = await queue.getJob(id);
      if (job) return job;
      await removeOrphan(q, id);
      hooks.onOrphan(id);
    } catch (err) {
      // Closing the queue aborts the blocking pop; that is no failure.
      if (q.paused) return null;
      hooks.onError(err);
      await delay(equalJitter(100, hooks.maxBackoffMs, failures++));
    }
  }
  return null;
}

function pop(q: LoopInternals): Promise<string> {
  return new Promise((resolve, reject) => {
    const bclient = q.bclient;
    if (!bclient) return reject(new Error('queue has no blocking connection'));
    bclient.brpoplpush(q.toKey('waiting'), q.toKey('active'), 0, (err, id) => (err ? reject(err) : resolve(id ?? '')));
  });
}

/** Takes the id we just moved into `active` (the newest entry) out again, and out of `stalling`. */
function removeOrphan(q: LoopInternals, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = q.client;
    if (!client) return reject(new Error('queue has no command connection'));
    client
      .multi()
      .lrem(q.toKey('active'), 1, id)
      .srem(q.toKey('stalling'), id)
      .exec((err) => (err ? reject(err) : resolve()));
  });
}

/** Bee-Queue's raiseDelayedJobs step, retried after a capped pause when it fails. */
function activateDelayed(q: LoopInternals, hooks: LoopHooks): void {
  const timer = q._delayedTimer;
  if (!timer || q.paused) return;
  q._evalScript('raiseDelayedJobs', 2, q.toKey('delayed'), q.toKey('waiting'), Date.now(), q.settings.delayedDebounce).then(
    (results) => timer.schedule(Number((results as [number, string])[1])),
    (err: unknown) => {
      if (q.paused) return;
      hooks.onError(err);
      timer.schedule(Date.now() + hooks.maxBackoffMs);
    },
  );
}

/** A key of `queue`'s own, as Bee-Queue names it (`<prefix>:<queue>:<suffix>`). */
export function ownKey(queue: BeeQueue, suffix: string): string {
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
