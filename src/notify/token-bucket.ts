/**
 * A token bucket kept in Redis and timed by Redis's clock, shared by every
 * process that names the same key. Used for the per-token API rate limit;
 * the upstream limit (rate-limiter) adds batching and a shared pause on top
 * of the same idea.
 */
import type { RedisClient } from 'redis';
import { LuaScript } from '../redis/lua-script';

/**
 * Takes one token if there is one. Returns {1, 0} when granted, or {0, ms}
 * with the time until the next token.
 */
const TAKE_ONE = LuaScript.load(__dirname, 'take-one-token');

/** Takes one token from the bucket at `key`; resolves with 0 if granted, else the wait in ms. */
export async function takeToken(client: RedisClient, key: string, perSecond: number, burst: number): Promise<number> {
  const [granted, waitMs] = (await TAKE_ONE.run(client, [key], [perSecond, burst])) as [number, number];
  return granted === 1 ? 0 : Math.max(1, waitMs);
}
