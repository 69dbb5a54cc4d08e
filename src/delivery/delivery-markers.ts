/**
 * Delivery markers: the outcome of every push, per message and recipient, kept in the push's
 * own shard slot. A marker stops a job re-run after a crash (it finds "delivered" and sends
 * nothing), and the markers are the source of the status counts.
 * Marker and counter change in one Lua call, so a push is counted once no
 * matter how often its job runs. Both belong to one acceptance of the
 * message (its epoch) and expire with its record, never later: once the
 * record is gone, a reuse of the id starts from nothing.
 */
import type { RedisClient } from 'redis';
import { LuaScript } from '../redis/lua-script';
import type { PushRef } from '../push/push-job';
import type { QueueKeys } from '../queue/queue-keys';
import type { Shard } from '../queue/shards';
import { sendCommand } from '../redis/send-command';

/** What finally happened to a push. */
export type Outcome = 'delivered' | 'failed' | 'expired' | 'collapsed';

/** Outcome counts of one message. */
export type OutcomeCounts = Record<Outcome, number>;

const CODE: Record<Outcome, string> = { delivered: 'd', failed: 'f', expired: 'e', collapsed: 'c' };
const OUTCOME_OF_CODE = new Map(Object.entries(CODE).map(([k, v]) => [v, k as Outcome]));

/**
 * Moves one push to a new outcome and keeps the message's counters and the
 * shard's lifetime totals in step. Delivered,
 * expired and collapsed are final; failed may become delivered or collapsed
 * (a replayed dead letter, sent or superseded meanwhile). Returns 1 if the outcome changed. ARGV[4] is the record's expiry
 * (epoch ms): marker and counters expire then too, at once if it has passed
 * (a late outcome of an expired message leaves nothing behind but the
 * shard's totals). A push from before epochs (ARGV[4] = 0) keeps the old
 * rule: ARGV[3] seconds after its last change.
 */
const RECORD = LuaScript.load(__dirname, 'record-outcome');

/** Reads and records push outcomes. */
export class DeliveryMarkers {
  constructor(
    private readonly keys: QueueKeys,
    /** How long markers and counters of a push without `recordExpiresAt` outlive their last change. */
    private readonly ttlSeconds: number,
  ) {}

  /** The recorded outcome of one push, if any. */
  async outcomeOf(client: RedisClient, shard: Shard, push: PushRef): Promise<Outcome | undefined> {
    const code = await sendCommand(client, 'HGET', [this.keys.outcomesKey(shard, push.messageId, push.epoch), push.recipientId]);
    return typeof code === 'string' ? OUTCOME_OF_CODE.get(code) : undefined;
  }

  /** Records an outcome; true if it changed anything. */
  async record(client: RedisClient, shard: Shard, push: PushRef, outcome: Outcome): Promise<boolean> {
    const keys = [
      this.keys.outcomesKey(shard, push.messageId, push.epoch),
      this.keys.statsKey(shard, push.messageId, push.epoch),
      this.keys.totalsKey(shard),
    ];
    const args = [push.recipientId, CODE[outcome], this.ttlSeconds, push.recordExpiresAt ?? 0];
    return (await RECORD.run(client, keys, args)) === 1;
  }

  /** The counts of one acceptance (`epoch`) of a message on one shard. */
  async counts(client: RedisClient, shard: Shard, messageId: string, epoch?: string): Promise<OutcomeCounts> {
    return countsOf(await sendCommand(client, 'HMGET', [this.keys.statsKey(shard, messageId, epoch), 'd', 'f', 'e', 'c']));
  }
}

/** Parses an HMGET of the d, f, e, c fields of a counters hash. */
export function countsOf(reply: unknown): OutcomeCounts {
  const [d, f, e, c] = (reply as (string | null)[]).map((v) => Number(v ?? 0));
  return { delivered: d ?? 0, failed: f ?? 0, expired: e ?? 0, collapsed: c ?? 0 };
}
