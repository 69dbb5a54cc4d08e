/**
 * Bulk intake in Bee-Queue's own storage format: one Lua call saves a whole
 * chunk of jobs. Bee-Queue's `saveAll` runs its addJob script once per job,
 * so Redis parses and runs a script per push; this does a chunk per script,
 * which is what lets intake approach raw LPUSH speed. Bee-Queue workers read
 * these jobs exactly as if `saveAll` had written them: the same hash of job
 * JSON, the same waiting list (or delayed set), existing ids skipped
 * (lua/add-jobs.lua is a batched copy of Bee-Queue's addJob.lua and
 * addDelayedJob.lua). The intake's variant, addTemplatedJobs, sends each
 * message's JSON once per chunk as a template and only the recipient ids per
 * job; Redis assembles the same bytes (lua/add-templated-jobs.lua).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RedisClient } from 'redis';
import { LuaScript } from '../redis/lua-script';
import type { BeeKeys } from './bee-keys';
import type { JobJsonTemplate } from './job-json';

/** Bee-Queue's save of new jobs, the part both bulk scripts share (lua/save-fresh-jobs.lua). */
const SAVE_FRESH_JOBS = fs.readFileSync(path.join(__dirname, 'lua', 'save-fresh-jobs.lua'), 'utf8');

/**
 * KEYS: jobs hash, waiting list, delayed set, earlierDelayed channel.
 * ARGV: delay timestamp (0 for none), then id, json, id, json, ...
 * Returns how many jobs were new.
 */
const ADD_JOBS = LuaScript.load(__dirname, 'add-jobs', SAVE_FRESH_JOBS);

/**
 * KEYS as ADD_JOBS. ARGV: delay timestamp (0 for none), job id prefix, the
 * template's head, afterRecipient, first index ('' for none), afterIndex,
 * then the recipient ids. Returns how many jobs were new.
 */
const ADD_TEMPLATED_JOBS = LuaScript.load(__dirname, 'add-templated-jobs', SAVE_FRESH_JOBS);

/**
 * Ids whose JSON string is the id in plain quotes: printable ASCII without
 * `"` and `\`. Redis quotes them without escaping, so only such ids are sent.
 */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

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

/** Jobs of one message that share a template: job `n` is for `recipients[n]`, with index `firstIndex + n` if the template has one. */
export interface TemplatedJobs {
  /** Job id = idPrefix + recipient id. */
  idPrefix: string;
  template: JobJsonTemplate;
  recipients: readonly string[];
  firstIndex: number;
}

/**
 * {@link addJobs} for jobs that differ only in their recipient (and index):
 * Redis assembles each job's JSON from the template, so only the recipient
 * ids travel per job, and the hash holds exactly what addJobs would have
 * written for `template.head + JSON.stringify(id) + …` under
 * `idPrefix + id`. Refuses (RangeError) an id whose JSON needs escapes.
 */
export async function addTemplatedJobs(client: RedisClient, keys: BeeKeys, jobs: TemplatedJobs, delayUntil?: number): Promise<number> {
  if (jobs.recipients.length === 0) return 0;
  const { template } = jobs;
  for (const id of jobs.recipients) {
    if (!PLAIN_JSON_STRING.test(id)) throw new RangeError(`recipient id needs JSON escapes: ${JSON.stringify(id)}`);
  }
  if (!Number.isSafeInteger(jobs.firstIndex) || jobs.firstIndex < 0) throw new RangeError(`first index must be a whole number >= 0, got ${jobs.firstIndex}`);
  const indexed = template.afterIndex !== undefined;
  const args = [delayUntil ?? 0, jobs.idPrefix, template.head, template.afterRecipient, indexed ? jobs.firstIndex : '', template.afterIndex ?? '', ...jobs.recipients];
  return Number(await ADD_TEMPLATED_JOBS.run(client, [keys.jobs, keys.waiting, keys.delayed, keys.earlierDelayed], args));
}
