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
import { giveBackJob, loadJob, skipTakenHeartbeats, takeWaitingJob, waitForJobId } from './take-job';

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
 * - pops every job with a blocking BRPOPLPUSH on the queue's own connection
 *   and then reads it: while jobs wait, one non-blocking call on the shared
 *   connection now does both (take-job), and a job popped as closing began
 *   is given back;
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
  skipTakenHeartbeats(queue);
  q._activateDelayed = () => activateDelayed(q, hooks);
  // The timer was bound to the prototype's method in the constructor.
  q._delayedTimer?.removeAllListeners('trigger');
  q._delayedTimer?.on('trigger', () => q._activateDelayed());
}

/**
 * Takes the next job that has data; null only once the queue is closing.
 * While jobs wait, one non-blocking call on the shared connection takes one
 * (see take-job); only an empty queue waits in Bee-Queue's blocking pop.
 */
async function nextJob(queue: BeeQueue, q: LoopInternals, hooks: LoopHooks): Promise<BeeQueue.Job<unknown> | null> {
  for (let failures = 0; !q.paused; ) {
    try {
      let taken = await takeWaitingJob(queue);
      const id = taken?.id ?? (await waitForJobId(queue));
      if (q.paused) {
        // Closing began while the pop was under way: the job goes back rather than wait in `active` for the stall check (which still returns it if this fails).
        await giveBackJob(queue, id).catch(() => undefined);
        return null;
      }
      taken ??= await loadJob(queue, id);
      if (taken.job) return taken.job;
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
