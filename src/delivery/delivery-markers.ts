/**
 * Delivery markers: the outcome of every push, per message and recipient, kept in the push's
 * own shard slot. A push with an `index` (every push queued since the bitfield) has 3 bits at
 * that index in a string per (acceptance, shard), read and written with BITFIELD u3: well under
 * a byte per push instead of a hash field (~69 B). A push without one (queued by an older
 * version) keeps its hash field under another key name, so an upgrade strands nothing. A marker
 * stops a job re-run after a crash (it finds "delivered" and sends nothing), and the markers
 * are the source of the status counts: a status read decodes them (no per-message counters,
 * which cost a 1:1 message as much as its marker), so a push counts once by construction, however
 * often its job ran and whichever version recorded it. Markers belong to one acceptance of the
 * message (its epoch) and expire with its record, never later: once the record is gone, a reuse
 * of the id starts from nothing. Only the shard's lifetime totals are counters, changed in the
 * same Lua call as the marker.
 */
import type { RedisClient } from 'redis';
import { LuaScript } from '../redis/lua-script';
import type { PushRef } from '../push/push-job';
import type { QueueKeys } from '../queue/queue-keys';
import type { Shard } from '../queue/shards';
import { sendCommand } from '../redis/send-command';
import { FINISH_SUCCEEDED_LUA, type RunFinish } from '../bee/script-finish';
import { bytesOfSixes, countSlots, SLOT_COLLAPSED, SLOT_DELIVERED, SLOT_EXPIRED, SLOT_FAILED } from './packed-outcomes';

/** What finally happened to a push. */
export type Outcome = 'delivered' | 'failed' | 'expired' | 'collapsed';

/** Outcome counts of one message. */
export type OutcomeCounts = Record<Outcome, number>;

/** Letters in the legacy hash and in the shard totals. */
const CODE: Record<Outcome, string> = { delivered: 'd', failed: 'f', expired: 'e', collapsed: 'c' };
const OUTCOME_OF_CODE = new Map(Object.entries(CODE).map(([k, v]) => [v, k as Outcome]));
/** The outcome of each value of a push's u3 slot (packed-outcomes' SLOT_*, which record-outcome.lua writes); 0: nothing recorded. */
const OUTCOME_OF_BITS: Readonly<Partial<Record<number, Outcome>>> = {
  [SLOT_DELIVERED]: 'delivered',
  [SLOT_FAILED]: 'failed',
  [SLOT_EXPIRED]: 'expired',
  [SLOT_COLLAPSED]: 'collapsed',
};

/** The push's slot in the bitfield, or undefined for a push that keeps the legacy hash field. */
function slotOf(push: PushRef): number | undefined {
  const { index } = push;
  // A job's data is JSON from Redis: anything but a whole number >= 0 is treated as absent.
  return typeof index === 'number' && Number.isSafeInteger(index) && index >= 0 ? index : undefined;
}

/**
 * Moves one push to a new outcome and keeps the shard's lifetime totals in step, in the push's
 * bitfield slot (ARGV[5] 'b', ARGV[1] its index) or its legacy hash field (ARGV[1] its recipient
 * id). Delivered, expired and collapsed are final; failed may become any of them
 * (a replayed dead letter, sent, superseded or expired meanwhile). Returns 1 if the outcome changed. ARGV[4] is the record's expiry
 * (epoch ms): the marker expires then too, at once if it has passed
 * (a late outcome of an expired message leaves nothing behind but the
 * shard's totals). A push from before epochs (ARGV[4] = 0) keeps the old
 * rule: ARGV[3] seconds after its last change.
 */
const RECORD = LuaScript.load(__dirname, 'record-outcome', FINISH_SUCCEEDED_LUA);
/** Reads one (acceptance, shard)'s markers, both layouts, for their counts (read only: answers on a full node). */
const READ = LuaScript.load(__dirname, 'read-outcomes');

/** Reads and records push outcomes. */
export class DeliveryMarkers {
  constructor(
    private readonly keys: QueueKeys,
    /** How long the marker of a push without `recordExpiresAt` outlives its last change. */
    private readonly ttlSeconds: number,
  ) {}

  /**
   * The recorded outcome of one push, if any. `peeked` is its slot's value as read just
   * before (bee/take-job reads it as it takes the job): then no read is sent.
   */
  async outcomeOf(client: RedisClient, shard: Shard, push: PushRef, peeked?: number): Promise<Outcome | undefined> {
    const slot = slotOf(push);
    if (slot !== undefined && peeked !== undefined) return OUTCOME_OF_BITS[peeked];
    if (slot === undefined) {
      const code = await sendCommand(client, 'HGET', [this.keys.outcomesKey(shard, push.messageId, push.epoch), push.recipientId]);
      return typeof code === 'string' ? OUTCOME_OF_CODE.get(code) : undefined;
    }
    // BITFIELD_RO, not BITFIELD GET: a read must work on a full node (BITFIELD is denied on OOM).
    const reply = (await sendCommand(client, 'BITFIELD_RO', [this.keys.outcomeBitsKey(shard, push.messageId, push.epoch), 'GET', 'u3', `#${slot}`])) as number[];
    return OUTCOME_OF_BITS[reply[0] ?? 0];
  }

  /**
   * Records an outcome; true if it changed anything. With `finish` (a final
   * outcome only), the same call also finishes the push's job run as a
   * success (bee/script-finish), whether or not the outcome changed.
   */
  async record(client: RedisClient, shard: Shard, push: PushRef, outcome: Outcome, finish?: RunFinish): Promise<boolean> {
    if (finish && outcome === 'failed') throw new Error('a failed push is not a finished run');
    const slot = slotOf(push);
    const marker = slot === undefined ? this.keys.outcomesKey(shard, push.messageId, push.epoch) : this.keys.outcomeBitsKey(shard, push.messageId, push.epoch);
    const keys = [marker, this.keys.totalsKey(shard), ...(finish?.keys ?? [])];
    const args = [slot ?? push.recipientId, CODE[outcome], this.ttlSeconds, push.recordExpiresAt ?? 0, slot === undefined ? 'h' : 'b', ...(finish ? [finish.id] : [])];
    return (await RECORD.run(client, keys, args)) === 1;
  }

  /**
   * The counts of one acceptance (`epoch`) of a message on one shard, decoded from its markers:
   * the packed slots and the legacy hash fields, each push in exactly one of them. Counters hashes
   * (`statsKey`) left by earlier versions are not read: their pushes' markers are counted instead.
   */
  async counts(client: RedisClient, shard: Shard, messageId: string, epoch?: string): Promise<OutcomeCounts> {
    const keys = [this.keys.outcomeBitsKey(shard, messageId, epoch), this.keys.outcomesKey(shard, messageId, epoch)];
    const [length, d, f, e, c, ...words] = (await READ.run(client, keys, [])) as number[];
    const slots = countSlots(bytesOfSixes(words, length ?? 0));
    const count = (legacy: number | undefined, code: number): number => (legacy ?? 0) + (slots[code] ?? 0);
    return { delivered: count(d, SLOT_DELIVERED), failed: count(f, SLOT_FAILED), expired: count(e, SLOT_EXPIRED), collapsed: count(c, SLOT_COLLAPSED) };
  }
}

/** Parses an HMGET of the d, f, e, c fields of a counters hash (the shard totals). */
export function countsOf(reply: unknown): OutcomeCounts {
  const [d, f, e, c] = (reply as (string | null)[]).map((v) => Number(v ?? 0));
  return { delivered: d ?? 0, failed: f ?? 0, expired: e ?? 0, collapsed: c ?? 0 };
}
