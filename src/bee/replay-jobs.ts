/**
 * Moving stored records back into a Bee-Queue queue as new jobs, atomically
 * with removing each record: the dead-letter replay. lua/replay-dead-letters.lua
 * saves each job as Bee-Queue's addJob.lua would (jobs hash, then waiting).
 */
import type { RedisClient } from 'redis';
import { LuaScript } from '../redis/lua-script';
import type { BeeKeys } from './bee-keys';

/**
 * KEYS: record index (sorted set), record data (hash), Bee-Queue jobs hash, waiting list.
 * ARGV: job id, the record as read, the job's Bee-Queue JSON; repeated.
 */
const REPLAY = LuaScript.load(__dirname, 'replay-dead-letters');

/** Where the records to replay are kept: an index of ids and a hash of id to record. */
export interface RecordKeys {
  index: string;
  data: string;
}

/** One record to replay as the job `id` with Bee-Queue JSON `json`, if it is still stored as `raw`. */
export interface ReplayItem {
  id: string;
  raw: string;
  json: string;
}

/**
 * Saves each item as a new job and removes its record, only if the record
 * is still stored exactly as `raw`; an item whose job id still exists is
 * left stored and returned as skipped.
 */
export async function replayAsJobs(
  client: RedisClient,
  records: RecordKeys,
  keys: BeeKeys,
  items: readonly ReplayItem[],
): Promise<{ replayed: string[]; skipped: string[] }> {
  const args = items.flatMap(({ id, raw, json }) => [id, raw, json]);
  const [replayed, skipped] = (await REPLAY.run(client, [records.index, records.data, keys.jobs, keys.waiting], args)) as [string[], string[]];
  return { replayed, skipped };
}
