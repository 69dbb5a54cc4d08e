/**
 * The one place that names things in Redis. Every key name the service uses
 * is built here, from pure functions (queue names come from shards.ts,
 * Bee-Queue's suffixes from bee/bee-keys.ts), so that a producer and a
 * consumer started with the same config always agree, and so that every key
 * of a shard carries that shard's hash tag (one Redis Cluster slot per shard).
 */
import { type BeeKeys, type BeeSuffix, beeKeysUnder } from '../bee/bee-keys';
import type { Shard } from './shards';

/** Suffix that ties a key to one acceptance of a message (none for acceptances older than epochs). */
function epochSuffix(epoch: string | undefined): string {
  return epoch === undefined ? '' : `:${epoch}`;
}

/**
 * Key names under one deployment's prefix. Bee-Queue builds its own keys as
 * `<prefix>:<queueName>:<suffix>`; the helpers here mirror that so that the
 * service's own keys sit in the same slot as the shard's queue.
 */
export class QueueKeys {
  /** @param prefix namespace for every key, e.g. `pf`; one per deployment. */
  constructor(readonly prefix: string) {}

  /** Key of a Bee-Queue structure of `shard`, e.g. `pf:{s3of16.59}:waiting`. */
  beeKey(shard: Shard, suffix: BeeSuffix): string {
    return this.beeKeys(shard)[suffix];
  }

  /** Every Bee-Queue structure of `shard`'s queue, by suffix. */
  beeKeys(shard: Shard): BeeKeys {
    return beeKeysUnder(`${this.prefix}:${shard.queueName}`);
  }

  /**
   * The message record (idempotency and accepted count). It lives in the
   * slot of the shard `messageId` hashes to, so it is reached through that
   * shard's router like any queue key: see {@link shardIndexFor}.
   */
  messageKey(shard: Shard, messageId: string): string {
    return `${this.prefix}:${shard.queueName}:msg:${messageId}`;
  }

  /** Per-recipient outcomes (a hash by recipient id) of one acceptance of a message on one shard: markers of pushes without an index. */
  outcomesKey(shard: Shard, messageId: string, epoch?: string): string {
    return `${this.prefix}:${shard.queueName}:out:${messageId}${epochSuffix(epoch)}`;
  }

  /**
   * Packed outcomes of one acceptance of a message on one shard: a string read and written with
   * BITFIELD u3 at the push's `index` (see delivery-markers). A name of its own (not `out:`), so a
   * key never holds two types while pushes without an index still use the hash.
   */
  outcomeBitsKey(shard: Shard, messageId: string, epoch?: string): string {
    return `${this.prefix}:${shard.queueName}:outb:${messageId}${epochSuffix(epoch)}`;
  }

  /**
   * {@link outcomeBitsKey} of a push with an epoch, in two parts a script joins around the
   * push's own fields: `stem .. messageId .. separator .. epoch` (see bee/take-job's peek).
   */
  outcomeBitsKeyParts(shard: Shard): { stem: string; separator: string } {
    return { stem: `${this.prefix}:${shard.queueName}:outb:`, separator: epochSuffix('') };
  }

  /**
   * Outcome counters of one acceptance of a message on one shard, as versions before issue 14
   * part 5 kept them beside the markers. Neither written nor read since (status counts are decoded
   * from the markers); hashes already in Redis expire with their message records.
   */
  statsKey(shard: Shard, messageId: string, epoch?: string): string {
    return `${this.prefix}:${shard.queueName}:stat:${messageId}${epochSuffix(epoch)}`;
  }

  /** Lifetime outcome totals of a shard (delivered, failed, expired): throughput for dashboards. */
  totalsKey(shard: Shard): string {
    return `${this.prefix}:${shard.queueName}:totals`;
  }

  /** Dead letters of a shard: a sorted set of job ids by failure time. */
  deadLetterIndexKey(shard: Shard): string {
    return `${this.prefix}:${shard.queueName}:dlq`;
  }

  /** Dead letters of a shard: job id to the dead-letter record. */
  deadLetterDataKey(shard: Shard): string {
    return `${this.prefix}:${shard.queueName}:dlq:data`;
  }

  /** The shared token bucket of the upstream rate limit (in shard 0's slot). */
  rateBucketKey(shard: Shard): string {
    return `${this.prefix}:${shard.queueName}:rate:bucket`;
  }

  /** The request-rate bucket of one API token, named by a hash of the token, never the token. */
  apiRateKey(shard: Shard, tokenId: string): string {
    return `${this.prefix}:${shard.queueName}:api-rate:${tokenId}`;
  }

  /** A short-lived key readiness probes write, to learn whether the shard's node takes writes. */
  probeKey(shard: Shard): string {
    return `${this.prefix}:${shard.queueName}:probe`;
  }

  /**
   * The collapse state of one (recipient, collapseKey) pair (see collapse/collapse-state). It
   * lives in the slot of `shard`, the INTERACTIVE shard with the recipient's shard index, whatever
   * lane a message takes, so pushes of both lanes share it. The key is length-prefixed, since both
   * parts may contain ':'.
   */
  collapseKey(shard: Shard, collapseKey: string, recipientId: string): string {
    return `${this.prefix}:${shard.queueName}:col:${collapseKey.length}:${collapseKey}:${recipientId}`;
  }

  /** When set, every consumer pauses sending until this time (after a 429). */
  ratePauseKey(shard: Shard): string {
    return `${this.prefix}:${shard.queueName}:rate:pause`;
  }
}
