/**
 * The two floors intake is compared with, on the same job bytes:
 *
 * - raw LPUSH: one LPUSH per job JSON into a plain list, 1000 commands per
 *   node-redis batch, no Lua, no hash, no id check. Nothing that stores a
 *   job per push can be cheaper for Redis.
 * - Bee-Queue's saveAll, 1000 jobs per call, as the producer used before
 *   its bulk path: one addJob Lua call per job.
 *
 * Both keep up to 16 batches in flight, as the producer does with its 16
 * shards saving in parallel, so neither floor is slowed by waiting on round
 * trips the service would overlap. Only the Redis writes are timed: JSON and
 * job objects are built beforehand.
 */
import type BeeQueue = require('bee-queue');
import type { RedisClient } from 'redis';

/** Jobs per batch or saveAll call. */
export const FLOOR_BATCH = 1000;
/** Batches in flight at once (the producer's shard count). */
export const FLOOR_WINDOW = 16;

/** Runs `tasks` with at most `window` running at once. */
export async function inFlight(tasks: ReadonlyArray<() => Promise<unknown>>, window: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++];
      if (task) await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, tasks.length) }, lane));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** LPUSHes every string into `key`; resolves with the milliseconds the writes took. */
export async function lpushFloor(client: RedisClient, key: string, jsons: readonly string[]): Promise<number> {
  const start = performance.now();
  const tasks = chunks(jsons, FLOOR_BATCH).map((chunk) => () => {
    const batch = client.batch();
    for (const json of chunk) batch.lpush(key, json);
    return new Promise<void>((resolve, reject) => batch.exec((err) => (err ? reject(err) : resolve())));
  });
  await inFlight(tasks, FLOOR_WINDOW);
  return performance.now() - start;
}

/** Saves `jobs` with saveAll in chunks; resolves with the milliseconds, rejects if any job failed. */
export async function saveAllFloor(queue: BeeQueue, jobs: readonly BeeQueue.Job<unknown>[]): Promise<number> {
  const start = performance.now();
  const tasks = chunks(jobs, FLOOR_BATCH).map((chunk) => async () => {
    const errors = await queue.saveAll(chunk);
    const first = errors.values().next();
    if (!first.done) throw first.value;
  });
  await inFlight(tasks, FLOOR_WINDOW);
  return performance.now() - start;
}
