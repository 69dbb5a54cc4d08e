/**
 * Reading how many jobs a Bee-Queue queue holds, from its own structures:
 * `waiting` and `active` are lists, `delayed` a sorted set; new jobs are
 * pushed on the left of `waiting` and workers pop from the right.
 */
import type { Multi, RedisClient } from 'redis';
import { LuaScript } from '../redis/lua-script';
import type { BeeKeys } from './bee-keys';
import { waitingAgeMs } from './job-json';

/**
 * The JSON of the job that has waited longest (the last of `waiting`).
 * KEYS: waiting list, jobs hash.
 */
const OLDEST_WAITING = LuaScript.load(__dirname, 'oldest-waiting');

/** The states a job is counted in, as `countJobs` replies with them. */
export const JOB_STATES = ['waiting', 'active', 'delayed'] as const;

/** How many jobs a queue holds in each state. */
export type JobCounts = Record<(typeof JOB_STATES)[number], number>;

/** Queues, on `multi`, three replies: the waiting, active and delayed job counts (in that order). */
export function countJobs(multi: Multi, keys: BeeKeys): Multi {
  return multi.llen(keys.waiting).llen(keys.active).zcard(keys.delayed);
}

/** How long the job that has waited longest has been due, in ms; 0 when none waits. */
export async function oldestWaitingMs(client: RedisClient, keys: BeeKeys): Promise<number> {
  const json = await OLDEST_WAITING.run(client, [keys.waiting, keys.jobs], []);
  return waitingAgeMs(json, Date.now());
}
