/**
 * Dead letters: pushes that failed for good (rejected by the proxy, or out
 * of retries), with why, so an operator can look and replay. Each shard
 * keeps its own, in its own slot, next to its queue. The store is bounded
 * twice: entries older than the retention are dropped, and so are the oldest
 * beyond a per-shard cap, on every insert.
 */
import type { RedisClient } from 'redis';
import type { RetentionConfig } from '../config/config';
import type { PushJobData } from '../push/push-job';
import type { Lane } from '../queue/lane';
import { replayAsJobs } from '../bee/replay-jobs';
import { LuaScript } from '../redis/lua-script';
import type { QueueKeys } from '../queue/queue-keys';
import type { Shard } from '../queue/shards';
import { sendCommand } from '../redis/send-command';

/** Why a push was given up. */
export type DeadLetterReason = 'rejected' | 'retries_exhausted';

/** One dead letter. */
export interface DeadLetter {
  jobId: string;
  /** The lane of the shard it failed on (absent in letters from before lanes: interactive). A replay stays in it. */
  lane?: Lane;
  shard: number;
  reason: DeadLetterReason;
  /** The proxy's last HTTP status, or null when it did not answer. */
  status: number | null;
  error: string;
  attempts: number;
  failedAt: number;
  push: PushJobData;
}

/** Limits of the store. */
export interface DeadLetterLimits {
  ttlSeconds: number;
  maxPerShard: number;
}

const ADD = LuaScript.load(__dirname, 'add-dead-letter');

/** A dead letter as stored: the exact JSON (what a replay compares before removing) and its parsed form. */
export interface StoredLetter {
  raw: string;
  letter: DeadLetter;
}

/** What one replayed page did: job ids re-enqueued (letters removed), and kept because their job still exists. */
export interface ReplayPage {
  replayed: string[];
  skipped: string[];
}

/** Reads and writes one shard's dead letters at a time. */
export class DeadLetterStore {
  constructor(
    private readonly keys: QueueKeys,
    private readonly limits: DeadLetterLimits,
  ) {}

  /** Adds (or replaces) a dead letter, trimming the shard's store to its limits. */
  async add(client: RedisClient, shard: Shard, letter: DeadLetter): Promise<void> {
    const cutoff = letter.failedAt - this.limits.ttlSeconds * 1000;
    await ADD.run(
      client,
      [this.keys.deadLetterIndexKey(shard), this.keys.deadLetterDataKey(shard)],
      [letter.jobId, letter.failedAt, JSON.stringify(letter), cutoff, this.limits.maxPerShard, this.limits.ttlSeconds],
    );
  }

  /**
   * One page of the shard's dead letters, in no particular order (HSCAN, so
   * memory stays bounded by `count` whatever the store holds). Start with
   * cursor '0'; the returned cursor is '0' again once the scan is complete.
   * Every letter stored throughout the scan is returned at least once; one
   * may come twice if the hash is resized meanwhile.
   */
  async page(client: RedisClient, shard: Shard, cursor: string, count: number): Promise<{ cursor: string; letters: StoredLetter[] }> {
    const [next, flat] = (await sendCommand(client, 'HSCAN', [this.keys.deadLetterDataKey(shard), cursor, 'COUNT', count])) as [string, string[]];
    const letters: StoredLetter[] = [];
    for (let i = 1; i < flat.length; i += 2) {
      const raw = flat[i]!;
      letters.push({ raw, letter: JSON.parse(raw) as DeadLetter });
    }
    return { cursor: next, letters };
  }

  /** The shard's `limit` newest dead letters and its total count: a page without reading the rest. */
  async newest(client: RedisClient, shard: Shard, limit: number): Promise<{ total: number; letters: DeadLetter[] }> {
    const total = Number(await sendCommand(client, 'ZCARD', [this.keys.deadLetterIndexKey(shard)]));
    return { total, letters: total === 0 ? [] : await this.read(client, shard, limit - 1) };
  }

  private async read(client: RedisClient, shard: Shard, lastIndex: number): Promise<DeadLetter[]> {
    const ids = (await sendCommand(client, 'ZREVRANGE', [this.keys.deadLetterIndexKey(shard), 0, lastIndex])) as string[];
    if (ids.length === 0) return [];
    const values = (await sendCommand(client, 'HMGET', [this.keys.deadLetterDataKey(shard), ...ids])) as (string | null)[];
    return values.flatMap((v) => (v ? [JSON.parse(v) as DeadLetter] : []));
  }

  /**
   * Re-enqueues each letter as a Bee-Queue job and removes it, atomically
   * and only if the letter is still stored exactly as it was read: a letter
   * rewritten since (the push failed again) or removed since is left alone.
   * A letter whose job id still exists in the queue is kept and returned as
   * skipped: saving over it would be refused, and the push lost.
   */
  async replay(client: RedisClient, shard: Shard, letters: readonly { stored: StoredLetter; jobJson: string }[]): Promise<ReplayPage> {
    if (letters.length === 0) return { replayed: [], skipped: [] };
    const records = { index: this.keys.deadLetterIndexKey(shard), data: this.keys.deadLetterDataKey(shard) };
    const items = letters.map(({ stored, jobJson }) => ({ id: stored.letter.jobId, raw: stored.raw, json: jobJson }));
    return replayAsJobs(client, records, this.keys.beeKeys(shard), items);
  }
}

/** The store with the configured limits. */
export function deadLetterStoreFor(retention: RetentionConfig, keys: QueueKeys): DeadLetterStore {
  return new DeadLetterStore(keys, { ttlSeconds: retention.deadLetterTtlSeconds, maxPerShard: retention.deadLetterMaxPerShard });
}
