/**
 * The one token bucket of the service, kept in Redis and timed by Redis's
 * clock, shared by every process that names the same key: the upstream rate
 * limit (rate-limiter, which adds batching and a shared pause) and the
 * per-token API rate limit both take from it.
 */
import type { RedisClient } from 'redis';
import { LuaScript } from '../redis/lua-script';

/** See lua/take-tokens.lua. */
const TAKE = LuaScript.load(__dirname, 'take-tokens');

/** KEYS: the pause key. ARGV: pause length in ms. Extends the pause to now + ms, never shortens it. */
const PAUSE = LuaScript.load(__dirname, 'pause-sending');

/** A bucket's refill rate and size, and how long it lives unused. */
export interface BucketLimits {
  perSecond: number;
  burst: number;
  ttlMs: number;
}

/** Where a bucket is: its key, and optionally a "pause until" key that stops it granting. */
export interface BucketKeys {
  bucket: string;
  pause?: string;
}

/** Takes up to `want` tokens; resolves with how many were granted and, if none, the wait in ms. */
export async function takeTokens(client: RedisClient, keys: BucketKeys, limits: BucketLimits, want: number): Promise<{ granted: number; waitMs: number }> {
  const redisKeys = keys.pause === undefined ? [keys.bucket] : [keys.bucket, keys.pause];
  const [granted, waitMs] = (await TAKE.run(client, redisKeys, [limits.perSecond, limits.burst, want, limits.ttlMs])) as [number, number];
  return { granted, waitMs };
}

/** Takes one token from the bucket at `key`; resolves with 0 if granted, else the wait in ms. */
export async function takeToken(client: RedisClient, key: string, perSecond: number, burst: number): Promise<number> {
  // The bucket outlives a full refill by a second: an idle client's bucket goes away.
  const ttlMs = Math.ceil((burst * 1000) / perSecond) + 1000;
  const { granted, waitMs } = await takeTokens(client, { bucket: key }, { perSecond, burst, ttlMs }, 1);
  return granted === 1 ? 0 : Math.max(1, waitMs);
}

/** Stops the bucket behind `pauseKey` granting for `ms` (unless a longer pause is already set). */
export async function pauseBucket(client: RedisClient, pauseKey: string, ms: number): Promise<void> {
  await PAUSE.run(client, [pauseKey], [ms]);
}
