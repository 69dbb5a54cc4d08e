/**
 * Bulk intake in Bee-Queue's own storage format: one Lua call saves a whole
 * chunk of jobs. Bee-Queue's `saveAll` runs its addJob script once per job,
 * so Redis parses and runs a script per push; this does a chunk per script,
 * which is what lets intake approach raw LPUSH speed. Bee-Queue workers read
 * these jobs exactly as if `saveAll` had written them: the same hash of job
 * JSON, the same waiting list (or delayed set), existing ids skipped.
 */
import type { RedisClient } from 'redis';
import { LuaScript } from '../redis/lua-script';
import type { QueueKeys, Shard } from './queue-keys';

/**
 * KEYS: jobs hash, waiting list, delayed set, earlierDelayed channel.
 * ARGV: delay timestamp (0 for none), then id, json, id, json, ...
 * Returns how many jobs were new.
 */
const ADD_JOBS = LuaScript.load(__dirname, 'add-jobs');

/** A job to save: its id and its Bee-Queue JSON (see {@link jobJsonFactory}). */
export interface BulkJob {
  id: string;
  json: string;
}

/** Saves `jobs` (at most a few thousand) on `shard` in one call; resolves with how many were new. */
export async function addJobs(client: RedisClient, keys: QueueKeys, shard: Shard, jobs: readonly BulkJob[], delayUntil?: number): Promise<number> {
  if (jobs.length === 0) return 0;
  const args: (string | number)[] = [delayUntil ?? 0];
  for (const job of jobs) args.push(job.id, job.json);
  const redisKeys = ['jobs', 'waiting', 'delayed', 'earlierDelayed'].map((k) => keys.beeKey(shard, k));
  return Number(await ADD_JOBS.run(client, redisKeys, args));
}

/**
 * Returns a function that builds the Bee-Queue JSON of one job per
 * recipient. Everything but the recipient is serialised once per message;
 * the recipient id is spliced in, so a 100k-recipient message costs one
 * JSON.stringify of the template, not 100k.
 */
export function jobJsonFactory(data: Record<string, unknown>, options: Record<string, unknown>): (recipientId: string) => string {
  // A marker that cannot occur in JSON text produced from real data: it is
  // unique per call, and the \u0001 is escaped by JSON.stringify.
  const marker = `\u0001${Math.random().toString(36).slice(2)}\u0001`;
  const text = JSON.stringify({ data: { ...data, recipientId: marker }, options, status: 'created', progress: 0 });
  const [before, after] = text.split(JSON.stringify(marker)) as [string, string];
  return (recipientId) => before + JSON.stringify(recipientId) + after;
}

/** The Bee-Queue JSON of one new job, as `Job#toData` writes it. */
export function jobJson(data: unknown, options: Record<string, unknown>): string {
  return JSON.stringify({ data, options, status: 'created', progress: 0 });
}
