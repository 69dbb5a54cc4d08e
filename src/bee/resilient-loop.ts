/**
 * Bee-Queue's (2.0.0) process loop, made to survive a failing step: it has
 * steps that stop for good or back off without bound when Redis refuses a
 * write; see {@link makeLoopResilient}.
 */
import type BeeQueue = require('bee-queue');
import { delay } from '../core/wait-for';
import { equalJitter } from '../core/backoff';
import type { BeeSuffix } from './bee-keys';
import type { Connections } from './queue-connections';

/** The process-loop internals {@link makeLoopResilient} replaces. */
export interface LoopInternals extends Connections {
  paused: boolean;
  toKey(name: BeeSuffix): string;
  _waitForJob(): Promise<BeeQueue.Job<unknown> | null>;
  _doStalledJobCheck(): Promise<number>;
  _activateDelayed(): void;
  _evalScript(name: string, ...args: (string | number)[]): Promise<unknown>;
  _delayedTimer: (NodeJS.EventEmitter & { schedule(time: number): void }) | null;
  settings: { delayedDebounce: number };
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
