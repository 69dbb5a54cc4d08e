/**
 * The upstream rate limit, shared by every consumer pod through Redis: one
 * token bucket per shard, each refilled at PUSH_RATE_LIMIT / shards tokens per
 * second, kept in the shard's own hash slot, and one "pause until" time per
 * shard that a 429 sets on every shard for everyone. Pods take tokens in
 * small batches so the limit costs one Redis call per batch, not per push.
 * Redis's own clock is used, so pods with skewed clocks still share a bucket
 * fairly.
 *
 * A push takes its token from its shard number's bucket, through its own
 * job's connection when it is in the interactive lane. So a node that is
 * down stops only the shards it holds, which cannot run anyway; with one
 * bucket on shard 0's node, that node being down failed every push of every
 * shard until their retries were used up. Shard i of both lanes shares the
 * bucket in interactive shard i's slot (the two lie in the same slot range,
 * so on the same master): a broadcast draining in the bulk lane alone may
 * use the whole limit, not just its lane's half.
 *
 * The limiter fails open: if its bucket cannot answer within CALL_TIMEOUT_MS,
 * the push is sent without a token (and counted), rather than failing the
 * push and using up one of its retries. The proxy's own 429s still pause
 * everyone.
 */
import type { RedisClient } from 'redis';
import { delay, withTimeout } from '../core/wait-for';
import type { QueueKeys } from '../queue/queue-keys';
import type { Shard } from '../queue/shards';
import { clientOf, onShard } from '../routing/on-shard';
import type { ShardQueue } from '../routing/shard-queue';
import { pauseBucket, takeTokens } from './token-bucket';

/** Where a push's token comes from: its shard, through the connection its job came on. */
export interface RateScope {
  shard: Shard;
  redis: RedisClient;
}

/** Limits how fast pushes are sent. */
export interface RateLimiter {
  /**
   * Resolves when one more request for a push of `scope`'s shard may be
   * sent. Never rejects: a limiter that cannot answer lets the push through.
   */
  acquire(scope: RateScope | undefined): Promise<void>;
  /** Stops every pod from sending for `ms` (after a 429). */
  pause(ms: number): Promise<void>;
}

/** No limit. */
export const UNLIMITED: RateLimiter = { acquire: async () => undefined, pause: async () => undefined };

/** What the limiter reports. */
export interface RateLimiterEvents {
  /** A request went out without a token because its bucket could not be asked (see fail-open above). */
  bypassed(): void;
  /** A bucket call failed; its shard's pushes go out without tokens for FAIL_OPEN_MS. */
  failed(shard: Shard, err: unknown): void;
}

/** How long a shard's bucket lives unused. */
const BUCKET_TTL_MS = 60_000;
/** How long one bucket call may take before the push goes out without a token. */
const CALL_TIMEOUT_MS = 500;
/** After a failed bucket call, its shard is not asked again for this long: a down node is not asked per push. */
const FAIL_OPEN_MS = 1000;
/**
 * Local tokens lapse after this long, so a pause set by another pod (a 429
 * there) stops this pod within one short window, not after its whole batch.
 */
const LOCAL_TOKEN_TTL_MS = 50;

/** This pod's view of one shard's bucket. */
interface LocalBucket {
  tokens: number;
  tokensUntil: number;
  refill: Promise<void> | undefined;
  /** Until when the shard's pushes go out without a token (its bucket failed). */
  openUntil: number;
}

/** Token buckets in Redis, one per shard number, in that interactive shard's slot. */
export class SharedRateLimiter implements RateLimiter {
  private readonly local = new Map<number, LocalBucket>();
  /** End of the last pause this pod set (on its own clock, only to skip repeats). */
  private pausedUntil = 0;
  private readonly perShard: number;
  private readonly batch: number;
  private readonly burst: number;

  constructor(
    /** The interactive lane's shard queues, by shard number: the buckets' homes; the limit is split evenly over them. */
    private readonly routers: readonly ShardQueue[],
    private readonly keys: QueueKeys,
    perSecond: number,
    private readonly events: RateLimiterEvents = { bypassed: () => undefined, failed: () => undefined },
  ) {
    this.perShard = perSecond / Math.max(1, routers.length);
    // A batch is about 20 ms of a shard's share; its bucket holds about 100 ms.
    this.batch = Math.min(100, Math.max(1, Math.ceil(this.perShard / 50)));
    this.burst = Math.max(this.batch, Math.ceil(this.perShard / 10));
  }

  /** Takes a token of the push's shard, fetching a batch (one fetch at a time per shard) when none are left. */
  async acquire(scope: RateScope | undefined): Promise<void> {
    // Only a caller that names no shard gets here without one; it is let through, like a failed bucket.
    if (!scope) return this.events.bypassed();
    const bucket = this.bucketOf(scope.shard);
    if (Date.now() > bucket.tokensUntil) bucket.tokens = 0;
    while (bucket.tokens <= 0) {
      if (Date.now() < bucket.openUntil) return this.events.bypassed();
      bucket.refill ??= this.fetch(bucket, scope).finally(() => {
        bucket.refill = undefined;
      });
      await bucket.refill;
    }
    bucket.tokens -= 1;
  }

  /** Sets the pause on every shard it can reach, and drops local tokens so this pod honours it at once. */
  async pause(ms: number): Promise<void> {
    for (const bucket of this.local.values()) bucket.tokens = 0;
    const pauseMs = Math.max(1, Math.round(ms));
    // Concurrent 429s would each write every shard; one pause at least as long as this one is enough.
    if (Date.now() + pauseMs <= this.pausedUntil) return;
    this.pausedUntil = Date.now() + pauseMs;
    const deadline = Date.now() + CALL_TIMEOUT_MS;
    // A shard that cannot be reached cannot send either; the others still pause.
    await Promise.allSettled(
      this.routers.map((router) =>
        onShard(router, deadline, (client) => pauseBucket(client, this.keys.ratePauseKey(router.shard), pauseMs)),
      ),
    );
  }

  private bucketOf(shard: Shard): LocalBucket {
    let bucket = this.local.get(shard.index);
    if (!bucket) {
      bucket = { tokens: 0, tokensUntil: 0, refill: undefined, openUntil: 0 };
      this.local.set(shard.index, bucket);
    }
    return bucket;
  }

  /** The connection to the bucket of `scope`'s shard number: the job's own, or its interactive twin's. */
  private async bucketClient({ shard, redis }: RateScope): Promise<{ home: Shard; client: RedisClient }> {
    const router = this.routers[shard.index];
    if (!router || router.shard.queueName === shard.queueName) return { home: shard, client: redis };
    return { home: router.shard, client: clientOf(await router.acquire(Date.now() + CALL_TIMEOUT_MS)) };
  }

  private async fetch(bucket: LocalBucket, scope: RateScope): Promise<void> {
    let reply: { granted: number; waitMs: number };
    try {
      const limits = { perSecond: this.perShard, burst: this.burst, ttlMs: BUCKET_TTL_MS };
      const take = this.bucketClient(scope).then(({ home, client }) =>
        takeTokens(client, { bucket: this.keys.rateBucketKey(home), pause: this.keys.ratePauseKey(home) }, limits, this.batch),
      );
      reply = await withTimeout(take, CALL_TIMEOUT_MS, () => new Error('rate limit bucket did not answer'));
    } catch (err) {
      bucket.openUntil = Date.now() + FAIL_OPEN_MS;
      this.events.failed(scope.shard, err);
      return;
    }
    const { granted, waitMs } = reply;
    bucket.tokens += granted;
    bucket.tokensUntil = Date.now() + LOCAL_TOKEN_TTL_MS;
    if (granted === 0) await delay(Math.max(1, waitMs));
  }
}
