/**
 * How deep each shard of each lane is: waiting, active and delayed jobs, dead
 * letters, how long the oldest waiting push has waited, and the shard's
 * lifetime outcome totals. One MULTI and one small script per shard. Reads are
 * cached for a few seconds, so a Prometheus scrape every few seconds or a
 * dashboard refresh costs at most one round of reads per interval.
 */
import type { RedisClient } from 'redis';
import { countsOf, type OutcomeCounts } from '../delivery/delivery-markers';
import type { Lane } from '../queue/lane';
import { countJobs, type JobCounts, oldestWaitingMs } from '../bee/queue-counts';
import type { QueueKeys } from '../queue/queue-keys';
import type { Shard } from '../queue/shards';
import { onShard } from '../routing/on-shard';
import type { ShardSet } from '../routing/shard-set';

/** One shard's depth. */
export interface ShardDepth extends JobCounts {
  lane: Lane;
  index: number;
  tag: string;
  /** `host:port` the shard is routed to now, if connected. */
  node: string | undefined;
  deadLetters: number;
  /** How long the oldest waiting push has been due, in ms; 0 when none waits. The lag to alert and scale on. */
  oldestWaitingMs: number;
  totals: OutcomeCounts;
}

function readDepth(client: RedisClient, keys: QueueKeys, shard: Shard): Promise<Omit<ShardDepth, 'node' | 'oldestWaitingMs'>> {
  return new Promise((resolve, reject) => {
    countJobs(client.multi(), keys.beeKeys(shard))
      .zcard(keys.deadLetterIndexKey(shard))
      .hmget(keys.totalsKey(shard), 'd', 'f', 'e', 'c')
      .exec((err, replies) => {
        if (err || !replies) return reject(err ?? new Error('MULTI aborted'));
        const [waiting, active, delayed, deadLetters] = replies.slice(0, 4).map(Number);
        resolve({
          lane: shard.lane,
          index: shard.index,
          tag: shard.tag,
          waiting: waiting ?? 0,
          active: active ?? 0,
          delayed: delayed ?? 0,
          deadLetters: deadLetters ?? 0,
          totals: countsOf(replies[4]),
        });
      });
  });
}

/** Reads every shard's depth, with a cache of `maxAgeMs`. */
export class QueueDepths {
  private cached: { at: number; depths: Promise<ShardDepth[]> } | undefined;

  constructor(
    private readonly shards: ShardSet,
    private readonly keys: QueueKeys,
    private readonly maxAgeMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** Every shard's depth, at most `maxAgeMs` old. */
  read(): Promise<ShardDepth[]> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > this.maxAgeMs) {
      const depths = this.readAll();
      // A failed read is not cached: the next caller tries again (unless a newer read replaced it).
      depths.catch(() => {
        if (this.cached?.depths === depths) this.cached = undefined;
      });
      this.cached = { at: now, depths };
    }
    return this.cached.depths;
  }

  private readAll(): Promise<ShardDepth[]> {
    const deadline = Date.now() + this.timeoutMs;
    return Promise.all(
      this.shards.queues.map(async (router) => ({
        ...(await onShard(router, deadline, async (client) => ({
          ...(await readDepth(client, this.keys, router.shard)),
          oldestWaitingMs: await oldestWaitingMs(client, this.keys.beeKeys(router.shard)),
        }))),
        node: router.node,
      })),
    );
  }
}
