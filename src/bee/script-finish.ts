/**
 * Finishing a successful run inside the script that records its outcome.
 *
 * Bee-Queue (2.0.0) finishes every run with a MULTI of its own once the
 * handler resolves: five commands (MULTI, LREM, SREM, HDEL, EXEC) per job,
 * after the handler has already run one script to record the push's outcome
 * in the same slot. For a queue that removes succeeded jobs and sends no
 * events, that finish is three writes a script can do itself
 * (lua/finish-succeeded.lua), atomically with the outcome: the job then
 * leaves `active` in the same step as its marker is written, and Bee-Queue's
 * own finish is skipped for that run ({@link skipScriptedFinishes}).
 * A failed or retried run still finishes through Bee-Queue.
 */
import fs from 'node:fs';
import path from 'node:path';
import type BeeQueue = require('bee-queue');
import type { BeeSuffix } from './bee-keys';

/** What a script needs to finish a run: KEYS active, stalling, jobs (the job's own queue), and the job id. */
export interface RunFinish {
  keys: readonly [active: string, stalling: string, jobs: string];
  id: string;
}

/** The queue internals read or replaced here. */
interface FinishInternals {
  settings: { removeOnSuccess: boolean; sendEvents: boolean; storeJobs: boolean };
  toKey(name: BeeSuffix): string;
  _finishJob(err: Error | null, data: unknown, job: BeeQueue.Job<unknown>): Promise<[string, unknown]>;
}

/** Runs a script finished; Bee-Queue's finish is skipped for exactly these (the same Job object). */
const finishedByScript = new WeakSet<BeeQueue.Job<unknown>>();
/** Queues that skip their own finish for such runs ({@link skipScriptedFinishes}). */
const skipping = new WeakSet<BeeQueue>();

/** The Lua function `finish_succeeded(active, stalling, jobs, id)`, to put before a script that calls it. */
export const FINISH_SUCCEEDED_LUA = fs.readFileSync(path.join(__dirname, 'lua', 'finish-succeeded.lua'), 'utf8');

/**
 * How a script finishes `job`'s run as a success, or undefined when its
 * queue needs Bee-Queue's own finish: it does not skip it ({@link skipScriptedFinishes}),
 * keeps jobs after success, publishes events, or keeps Job objects.
 */
export function runFinishOf(job: BeeQueue.Job<unknown>): RunFinish | undefined {
  const q = job.queue as unknown as FinishInternals;
  // A queue that keeps Job objects (storeJobs) hands the same one to a later run, which the mark below would then skip.
  if (!skipping.has(job.queue) || !q.settings.removeOnSuccess || q.settings.sendEvents || q.settings.storeJobs) return undefined;
  return { keys: [q.toKey('active'), q.toKey('stalling'), q.toKey('jobs')], id: String(job.id) };
}

/** Notes that a script (given {@link runFinishOf}) finished `job`'s run; call once that script succeeded. */
export function markFinishedByScript(job: BeeQueue.Job<unknown>): void {
  finishedByScript.add(job);
}

/**
 * Makes `queue` skip its own finish for runs a script finished, answering as
 * that finish would have (status 'succeeded', the handler's result). This
 * covers a job whose own queue was dropped meanwhile and which the router
 * finishes through its successor (job-keep-alive). Call before `process()`.
 */
export function skipScriptedFinishes(queue: BeeQueue): void {
  const q = queue as unknown as FinishInternals;
  skipping.add(queue);
  const finish = q._finishJob.bind(q);
  q._finishJob = (err, data, job) => {
    if (err || !finishedByScript.has(job)) return finish(err, data, job);
    job.status = 'succeeded';
    return Promise.resolve(['succeeded', data]);
  };
}
