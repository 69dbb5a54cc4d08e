/**
 * The shards of a deployment: how many queues each lane has, and the hash tag
 * (so the Redis Cluster slot) of each. Pure: a producer and a consumer
 * started with the same config always agree.
 */
import calculateSlot = require('cluster-key-slot');
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
