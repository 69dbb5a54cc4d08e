/**
 * Bulk intake in Bee-Queue's own storage format: one Lua call saves a whole
 * chunk of jobs. Bee-Queue's `saveAll` runs its addJob script once per job,
 * so Redis parses and runs a script per push; this does a chunk per script,
 * which is what lets intake approach raw LPUSH speed. Bee-Queue workers read
 * these jobs exactly as if `saveAll` had written them: the same hash of job
 * JSON, the same waiting list (or delayed set), existing ids skipped
 * (lua/add-jobs.lua is a batched copy of Bee-Queue's addJob.lua and
 * addDelayedJob.lua).
 */
import type { RedisClient } from 'redis';
import { LuaScript } from '../redis/lua-script';
import type { BeeKeys } from './bee-keys';

/**
 * KEYS: jobs hash, waiting list, delayed set, earlierDelayed channel.
 * ARGV: delay timestamp (0 for none), then id, json, id, json, ...
 * Returns how many jobs were new.
 */
const ADD_JOBS = LuaScript.load(__dirname, 'add-jobs');

/** A job to save: its id and its Bee-Queue JSON (see jobJsonFactory). */
export interface BulkJob {
  id: string;
  json: string;
}

/** Saves `jobs` (at most a few thousand) in the queue of `keys` in one call; resolves with how many were new. */
export async function addJobs(client: RedisClient, keys: BeeKeys, jobs: readonly BulkJob[], delayUntil?: number): Promise<number> {
  if (jobs.length === 0) return 0;
  const args: (string | number)[] = [delayUntil ?? 0];
  for (const job of jobs) args.push(job.id, job.json);
  return Number(await ADD_JOBS.run(client, [keys.jobs, keys.waiting, keys.delayed, keys.earlierDelayed], args));
}
