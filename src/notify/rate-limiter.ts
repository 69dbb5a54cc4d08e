/**
 * The upstream rate limit, shared by every consumer pod through Redis: one
 * token bucket (PUSH_RATE_LIMIT tokens per second) and one "pause until"
 * time that a 429 sets for everyone. Pods take tokens in small batches so the
 * limit costs one Redis call per batch, not per push. Redis's own clock is
 * used, so pods with skewed clocks still share one bucket fairly.
 */
import { delay } from '../core/wait-for';
import { LuaScript } from '../queue/lua-script';
import type { QueueKeys } from '../queue/queue-keys';
import { onShard } from '../queue/redis-command';
import type { ShardQueue } from '../queue/shard-queue';

/** Limits how fast pushes are sent. */
export interface RateLimiter {
  /** Resolves when one more request may be sent. */
  acquire(): Promise<void>;
  /** Stops every pod from sending for `ms` (after a 429). */
  pause(ms: number): Promise<void>;
}

/** No limit. */
export const UNLIMITED: RateLimiter = { acquire: async () => undefined, pause: async () => undefined };

const TAKE = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
if pause > now then return {0, pause - now} end
local rate, burst, want = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
local granted = math.min(want, math.floor(tokens))
tokens = tokens - granted
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], 60000)
if granted == 0 then return {0, math.ceil((1 - tokens) * 1000 / rate)} end
return {granted, 0}
`);

const PAUSE = new LuaScript(`
local t = redis.call('TIME')
local untilMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
if untilMs > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], untilMs, 'PX', ARGV[1])
end
return 1
`);

/** How long one Redis call of the limiter may take, re-routes included. */
const CALL_TIMEOUT_MS = 5000;
/**
 * Local tokens lapse after this long, so a pause set by another pod (a 429
 * there) stops this pod within one short window, not after its whole batch.
 */
const LOCAL_TOKEN_TTL_MS = 50;

/** A token bucket in Redis, in the slot of `router`'s shard. */
export class SharedRateLimiter implements RateLimiter {
  private tokens = 0;
  private tokensUntil = 0;
  private refill: Promise<void> | undefined;
  private readonly batch: number;
  private readonly burst: number;

  constructor(
    private readonly router: ShardQueue,
    private readonly keys: QueueKeys,
    private readonly perSecond: number,
  ) {
    // A batch is about 20 ms of the limit; the bucket holds about 100 ms.
    this.batch = Math.min(100, Math.max(1, Math.ceil(perSecond / 50)));
    this.burst = Math.max(this.batch, Math.ceil(perSecond / 10));
  }

  /** Takes a token, fetching a batch from Redis (one fetch at a time) when none are left. */
  async acquire(): Promise<void> {
    if (Date.now() > this.tokensUntil) this.tokens = 0;
    while (this.tokens <= 0) {
      this.refill ??= this.fetch().finally(() => {
        this.refill = undefined;
      });
      await this.refill;
    }
    this.tokens -= 1;
  }

  /** Sets the shared pause, and drops local tokens so this pod honours it at once. */
  async pause(ms: number): Promise<void> {
    this.tokens = 0;
    const shard = this.router.shard;
    await onShard(this.router, Date.now() + CALL_TIMEOUT_MS, (client) =>
      PAUSE.run(client, [this.keys.ratePauseKey(shard)], [Math.max(1, Math.round(ms))]),
    );
  }

  private async fetch(): Promise<void> {
    const shard = this.router.shard;
    const keys = [this.keys.rateBucketKey(shard), this.keys.ratePauseKey(shard)];
    const [granted, waitMs] = (await onShard(this.router, Date.now() + CALL_TIMEOUT_MS, (client) =>
      TAKE.run(client, keys, [this.perSecond, this.burst, this.batch]),
    )) as [number, number];
    this.tokens += granted;
    this.tokensUntil = Date.now() + LOCAL_TOKEN_TTL_MS;
    if (granted === 0) await delay(Math.max(1, waitMs));
  }
}
