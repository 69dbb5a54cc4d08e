/**
 * Idempotent intake. Each message id gets one record, claimed atomically
 * before its pushes are enqueued and marked accepted after. A repeat of an
 * accepted message is answered from the record; a repeat while the first
 * intake is still running waits for it; a repeat after an intake that failed
 * midway takes over once the first one's lease has lapsed, and enqueues
 * again, which job ids and delivery markers make harmless.
 *
 * The first claim fixes the record's epoch and its absolute expiry; a
 * takeover keeps both, so it enqueues the very same job ids, and nothing
 * extends the record's life. The pushes carry both, so their markers and
 * counters are keyed by the epoch and expire with the record. It also stores a
 * fingerprint of the unique recipient list: each push's marker slot is its
 * position in that list's shard group, so a takeover must name the same
 * recipients, in the same order, or be refused.
 */
import type { RedisClient } from 'redis';
import { type Lane, storedLane } from '../queue/lane';
import { LuaScript } from '../redis/lua-script';
import type { QueueKeys } from '../queue/queue-keys';
import type { Shard } from '../queue/shards';
import { sendCommand } from '../redis/send-command';

/** The result of trying to claim a message id. */
export type Claim =
  | ({ kind: 'claimed' } & Acceptance)
  | { kind: 'duplicate'; accepted: number; lane: Lane }
  | { kind: 'busy' }
  /** A takeover whose recipients' fingerprint differs from the first claim's. */
  | { kind: 'conflict' };

/** What one acceptance of a message id is known by. */
export interface Acceptance {
  /** Tells this acceptance from any earlier one of the same id. */
  epoch: string;
  /** When the record expires (epoch ms), and with it the pushes' markers and counters. */
  expiresAt: number;
  /**
   * Whether the pushes carry their marker slot (`index`): false only when taking over an intake
   * begun by a version without fingerprints, whose queued pushes have none.
   */
  indexed: boolean;
}

/** What a claim holds, as {@link MessageRecords.confirm} writes it again. */
export interface ClaimHold {
  leaseMs: number;
  epoch: string;
  expiresAt: number;
  fingerprint: string;
}

/** A message's record as stored. */
export interface MessageRecord {
  state: 'pending' | 'accepted';
  accepted: number;
  acceptedAt: number;
  /** The lane its pushes took; records from before lanes have none and took today's interactive lane. */
  lane: Lane;
  /** Absent on records written before epochs existed. */
  epoch?: string;
}

const CLAIM = LuaScript.load(__dirname, 'claim-message');

/** Marks accepted only if `owner` still holds the claim (a late completion must not overwrite a takeover). */
const COMPLETE = LuaScript.load(__dirname, 'complete-message');

/** Re-asserts a claim before the intake's WAIT, restoring it if a failover took it (see the script). */
const CONFIRM = LuaScript.load(__dirname, 'confirm-message');

/** Ends a failed intake's lease at once, so a retry need not wait for it; only the owner may. */
const RELEASE = LuaScript.load(__dirname, 'release-message');

/** Claims, completes and reads message records. */
export class MessageRecords {
  constructor(private readonly keys: QueueKeys) {}

  /**
   * Tries to claim `messageId` for an intake by `owner`, for `leaseMs`. `fingerprint` (of the
   * unique recipient list, see listFingerprint) is stored by the first claim; a takeover with
   * another one gets `conflict`.
   */
  async claim(client: RedisClient, shard: Shard, messageId: string, claimant: { owner: string; leaseMs: number; ttlSeconds: number; fingerprint: string }): Promise<Claim> {
    const now = Date.now();
    const { owner, leaseMs, ttlSeconds, fingerprint } = claimant;
    // The epoch is the first claim's time in base 36: a reuse comes at least a whole window later.
    const args = [now, owner, leaseMs, now.toString(36), now + ttlSeconds * 1000, fingerprint];
    const reply = (await CLAIM.run(client, [this.keys.messageKey(shard, messageId)], args)) as (string | null)[];
    if (reply[0] === 'duplicate') return { kind: 'duplicate', accepted: Number(reply[1]), lane: storedLane(reply[2]) };
    if (reply[0] === 'busy') return { kind: 'busy' };
    if (reply[0] === 'conflict') return { kind: 'conflict' };
    return { kind: 'claimed', epoch: String(reply[1]), expiresAt: Number(reply[2]), indexed: reply[3] !== '0' };
  }

  /**
   * Marks the message accepted with its push count and lane, if `owner` still
   * holds the claim (or it is already accepted). False if another request took over.
   */
  async complete(client: RedisClient, shard: Shard, messageId: string, owner: string, accepted: { count: number; lane: Lane }, ttlSeconds: number): Promise<boolean> {
    const done = await COMPLETE.run(client, [this.keys.messageKey(shard, messageId)], [accepted.count, Date.now(), ttlSeconds, owner, accepted.lane]);
    return Number(done) === 1;
  }

  /**
   * Re-asserts `owner`'s claim where the record lives now: renews its lease
   * (`held`), or writes it again with its epoch, expiry and fingerprint if it
   * is gone (`restored`: a failover took it before a replica had it). `lost`
   * if another request holds the id, `accepted` if one already completed it.
   * Run on the connection the intake WAITs on, so that WAIT covers the claim.
   */
  async confirm(client: RedisClient, shard: Shard, messageId: string, owner: string, hold: ClaimHold): Promise<'held' | 'restored' | 'accepted' | 'lost'> {
    const args = [Date.now(), owner, hold.leaseMs, hold.epoch, hold.expiresAt, hold.fingerprint];
    const reply = String(await CONFIRM.run(client, [this.keys.messageKey(shard, messageId)], args));
    if (reply === 'held' || reply === 'restored' || reply === 'accepted') return reply;
    return 'lost';
  }

  /** Gives up `owner`'s claim after a failed intake. */
  async release(client: RedisClient, shard: Shard, messageId: string, owner: string): Promise<void> {
    await RELEASE.run(client, [this.keys.messageKey(shard, messageId)], [owner]);
  }

  /** The record of `messageId`, if there is one. */
  async read(client: RedisClient, shard: Shard, messageId: string): Promise<MessageRecord | undefined> {
    const fields = ['state', 'accepted', 'acceptedAt', 'epoch', 'lane'];
    const reply = (await sendCommand(client, 'HMGET', [this.keys.messageKey(shard, messageId), ...fields])) as (string | null)[];
    const [state, accepted, acceptedAt, epoch, lane] = reply;
    if (state !== 'pending' && state !== 'accepted') return undefined;
    const record: MessageRecord = { state, accepted: Number(accepted ?? 0), acceptedAt: Number(acceptedAt ?? 0), lane: storedLane(lane) };
    if (epoch) record.epoch = epoch;
    return record;
  }
}
