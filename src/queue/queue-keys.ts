/**
 * The one place that names things in Redis. Every key and queue name the
 * service uses is built here, from pure functions, so that a producer and a
 * consumer started with the same config always agree, and so that every key of
 * a shard carries that shard's hash tag (one Redis Cluster slot per shard).
 */
import calculateSlot = require('cluster-key-slot');
import { type BeeKeys, type BeeSuffix, beeKeysUnder } from '../bee/bee-keys';
import { fnv1a32 } from '../core/hash';
import { LANES, type Lane } from './lane';

/** Number of hash slots in Redis Cluster. */
export const SLOT_COUNT = 16384;

/** One shard: a Bee-Queue queue whose keys all live in one hash slot. */
export interface Shard {
  /** The lane this shard's queue belongs to. */
  readonly lane: Lane;
  /** 0-based shard number within its lane. */
  readonly index: number;
  /** The hash tag, without braces; identical for every process. */
  readonly tag: string;
  /** The Bee-Queue queue name: the tag in braces. */
  readonly queueName: string;
  /** The hash slot all of this shard's keys map to. */
  readonly slot: number;
}

/**
 * The first letter of a lane's tags. The interactive lane keeps the tags that
 * every shard had before lanes existed (`s…`), so a backlog left by an older
 * version sits in queues that are still consumed: an upgrade strands nothing.
 */
const LANE_TAG_LETTER: Record<Lane, string> = { interactive: 's', bulk: 'b' };

/**
 * Chooses the hash tag of shard `index` of `count`. Shards split the slot space
 * into equal ranges; the tag is the first candidate whose slot lies within an
 * eighth of a range of that range's centre. Slots so placed are spread evenly,
 * and therefore so are shards over masters that own contiguous slot ranges,
 * with no need to know the topology. Naive tags (`{push:0}`..`{push:7}`) land
 * wherever CRC16 throws them and pile up on one master.
 */
export function shardTag(index: number, count: number, lane: Lane = 'interactive'): string {
  const width = SLOT_COUNT / count;
  const centre = Math.floor(width * index + width / 2);
  const tolerance = Math.max(0, Math.floor(width / 8));
  for (let attempt = 0; ; attempt++) {
    const tag = `${LANE_TAG_LETTER[lane]}${index}of${count}.${attempt}`;
    if (Math.abs(calculateSlot(tag) - centre) <= tolerance) return tag;
  }
}

/**
 * Builds one lane's list of `count` shards. Deterministic and pure. Shard i
 * of each lane lies in the same slot range, so each lane on its own is
 * spread over the masters exactly as evenly as the other.
 */
export function buildShards(count: number, lane: Lane = 'interactive'): Shard[] {
  return Array.from({ length: count }, (_, index) => {
    const tag = shardTag(index, count, lane);
    return { lane, index, tag, queueName: `{${tag}}`, slot: calculateSlot(tag) };
  });
}

/** Every lane's shards, interactive lane first: all the queues a deployment of `count` shards has. */
export function allShards(count: number): Shard[] {
  return LANES.flatMap((lane) => buildShards(count, lane));
}

/** The shard that owns `recipientId`: stable for a given shard count. */
export function shardIndexFor(recipientId: string, count: number): number {
  return fnv1a32(recipientId) % count;
}

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

  /** Per-recipient outcomes of one acceptance of a message on one shard: the delivery markers. */
  outcomesKey(shard: Shard, messageId: string, epoch?: string): string {
    return `${this.prefix}:${shard.queueName}:out:${messageId}${epochSuffix(epoch)}`;
  }

  /** Outcome counters of one acceptance of a message on one shard, kept with the outcomes so both change atomically. */
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

  /** When set, every consumer pauses sending until this time (after a 429). */
  ratePauseKey(shard: Shard): string {
    return `${this.prefix}:${shard.queueName}:rate:pause`;
  }
}
