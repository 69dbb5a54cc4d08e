/**
 * How deep each shard of each lane is: waiting, active and delayed jobs, dead
 * letters, how long the oldest waiting push has waited, and the shard's
 * lifetime outcome totals. One MULTI and one small script per shard. Reads are
 * cached for a few seconds, so a Prometheus scrape every few seconds or a
 * dashboard refresh costs at most one round of reads per interval.
 */
import type { RedisClient } from 'redis';
import { countsOf, type OutcomeCounts } from '../delivery/outcome-store';
import type { Lane } from './lane';
import { LuaScript } from '../redis/lua-script';
import type { QueueKeys, Shard } from './queue-keys';
import { onShard } from './on-shard';
import type { ShardSet } from './shard-set';

/** One shard's depth. */
export interface ShardDepth {
  lane: Lane;
  index: number;
  tag: string;
  /** `host:port` the shard is routed to now, if connected. */
  node: string | undefined;
  waiting: number;
  active: number;
  delayed: number;
  deadLetters: number;
  /** How long the oldest waiting push has been due, in ms; 0 when none waits. The lag to alert and scale on. */
  oldestWaitingMs: number;
  totals: OutcomeCounts;
}

/**
 * The JSON of the job that has waited longest. Bee-Queue pushes new jobs on
 * the left of `waiting` and workers pop from the right, so it is the last.
 * KEYS: waiting list, jobs hash.
 */
const OLDEST_WAITING = LuaScript.load(__dirname, 'oldest-waiting');

/**
 * How long the job in `json` has been due at `now`: since it was created, or
 * since its `sendAt`. A retried job counts from when it was first due, so the
 * figure errs towards more lag, never less.
 */
export function waitingAgeMs(json: unknown, now: number): number {
  if (typeof json !== 'string') return 0;
  try {
    const job = JSON.parse(json) as { options?: { timestamp?: unknown }; data?: { sendAt?: unknown } };
    const created = Number(job.options?.timestamp ?? now);
    const due = Math.max(created, Number(job.data?.sendAt ?? 0));
    return Number.isFinite(due) ? Math.max(0, now - due) : 0;
  } catch {
    return 0;
  }
}

async function oldestWaitingMs(client: RedisClient, keys: QueueKeys, shard: Shard): Promise<number> {
  const json = await OLDEST_WAITING.run(client, [keys.beeKey(shard, 'waiting'), keys.beeKey(shard, 'jobs')], []);
  return waitingAgeMs(json, Date.now());
}

function readDepth(client: RedisClient, keys: QueueKeys, shard: Shard): Promise<Omit<ShardDepth, 'node' | 'oldestWaitingMs'>> {
  return new Promise((resolve, reject) => {
    client
      .multi()
      .llen(keys.beeKey(shard, 'waiting'))
      .llen(keys.beeKey(shard, 'active'))
      .zcard(keys.beeKey(shard, 'delayed'))
      .zcard(keys.deadLetterIndexKey(shard))
      .hmget(keys.totalsKey(shard), 'd', 'f', 'e')
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
          oldestWaitingMs: await oldestWaitingMs(client, this.keys, router.shard),
        }))),
        node: router.node,
      })),
    );
  }
}
