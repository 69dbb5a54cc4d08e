/**
 * A token bucket kept in Redis and timed by Redis's clock, shared by every
 * process that names the same key. Used for the per-token API rate limit;
 * the upstream limit (rate-limiter) adds batching and a shared pause on top
 * of the same idea.
 */
import type { RedisClient } from 'redis';
import { LuaScript } from '../queue/lua-script';

/**
 * Takes one token if there is one. Returns {1, 0} when granted, or {0, ms}
 * with the time until the next token.
 */
const TAKE_ONE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = math.min(burst, (tonumber(b[1]) or burst) + math.max(0, now - (tonumber(b[2]) or now)) * rate / 1000)
local granted = 0
if tokens >= 1 then granted = 1; tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
if granted == 1 then return {1, 0} end
return {0, math.ceil((1 - tokens) * 1000 / rate)}
`);

/** Takes one token from the bucket at `key`; resolves with 0 if granted, else the wait in ms. */
export async function takeToken(client: RedisClient, key: string, perSecond: number, burst: number): Promise<number> {
  const [granted, waitMs] = (await TAKE_ONE.run(client, [key], [perSecond, burst])) as [number, number];
  return granted === 1 ? 0 : Math.max(1, waitMs);
}
