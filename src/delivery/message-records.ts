/**
 * Idempotent intake. Each message id gets one record, claimed atomically
 * before its pushes are enqueued and marked accepted after. A repeat of an
 * accepted message is answered from the record; a repeat while the first
 * intake is still running waits for it; a repeat after an intake that failed
 * midway takes over once the first one's lease has lapsed, and enqueues
 * again, which job ids and delivery markers make harmless.
 */
import type { RedisClient } from 'redis';
import { type Lane, storedLane } from '../queue/lane';
import { LuaScript } from '../queue/lua-script';
import type { QueueKeys, Shard } from '../queue/queue-keys';
import { sendCommand } from '../queue/redis-command';

/** The result of trying to claim a message id. */
export type Claim = { kind: 'claimed' } | { kind: 'duplicate'; accepted: number; lane: Lane } | { kind: 'busy' };

/** A message's record as stored. */
export interface MessageRecord {
  state: 'pending' | 'accepted';
  accepted: number;
  acceptedAt: number;
  /** The lane its pushes took; records from before lanes have none and took today's interactive lane. */
  lane: Lane;
}

const CLAIM = new LuaScript(`
local state = redis.call('HGET', KEYS[1], 'state')
local now = tonumber(ARGV[1])
if state == 'accepted' then return {'duplicate', redis.call('HGET', KEYS[1], 'accepted'), redis.call('HGET', KEYS[1], 'lane')} end
-- A claim re-sent after a lost reply finds its own lease: that is still a claim, not a conflict.
if state and redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] and tonumber(redis.call('HGET', KEYS[1], 'lease')) > now then
  return {'busy'}
end
redis.call('HSET', KEYS[1], 'state', 'pending', 'owner', ARGV[2], 'lease', now + tonumber(ARGV[3]))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {'claimed'}
`);

/** Marks accepted only if `owner` still holds the claim (a late completion must not overwrite a takeover). */
const COMPLETE = new LuaScript(`
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'accepted' then return 1 end
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[4] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'accepted', 'accepted', ARGV[1], 'acceptedAt', ARGV[2], 'lane', ARGV[5])
redis.call('HDEL', KEYS[1], 'owner', 'lease')
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
`);

/** Ends a failed intake's lease at once, so a retry need not wait for it; only the owner may. */
const RELEASE = new LuaScript(`
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then redis.call('HSET', KEYS[1], 'lease', 0) end
return 1
`);

/** Claims, completes and reads message records. */
export class MessageRecords {
  constructor(private readonly keys: QueueKeys) {}

  /** Tries to claim `messageId` for an intake by `owner`, for `leaseMs`. */
  async claim(client: RedisClient, shard: Shard, messageId: string, owner: string, leaseMs: number, ttlSeconds: number): Promise<Claim> {
    const reply = (await CLAIM.run(client, [this.keys.messageKey(shard, messageId)], [Date.now(), owner, leaseMs, ttlSeconds])) as (string | null)[];
    if (reply[0] === 'duplicate') return { kind: 'duplicate', accepted: Number(reply[1]), lane: storedLane(reply[2]) };
    return reply[0] === 'busy' ? { kind: 'busy' } : { kind: 'claimed' };
  }

  /**
   * Marks the message accepted with its push count and lane, if `owner` still
   * holds the claim (or it is already accepted). False if another request took over.
   */
  async complete(client: RedisClient, shard: Shard, messageId: string, owner: string, accepted: { count: number; lane: Lane }, ttlSeconds: number): Promise<boolean> {
    const done = await COMPLETE.run(client, [this.keys.messageKey(shard, messageId)], [accepted.count, Date.now(), ttlSeconds, owner, accepted.lane]);
    return Number(done) === 1;
  }

  /** Gives up `owner`'s claim after a failed intake. */
  async release(client: RedisClient, shard: Shard, messageId: string, owner: string): Promise<void> {
    await RELEASE.run(client, [this.keys.messageKey(shard, messageId)], [owner]);
  }

  /** The record of `messageId`, if there is one. */
  async read(client: RedisClient, shard: Shard, messageId: string): Promise<MessageRecord | undefined> {
    const key = this.keys.messageKey(shard, messageId);
    const reply = (await sendCommand(client, 'HMGET', [key, 'state', 'accepted', 'acceptedAt', 'lane'])) as (string | null)[];
    const [state, accepted, acceptedAt, lane] = reply;
    if (state !== 'pending' && state !== 'accepted') return undefined;
    return { state, accepted: Number(accepted ?? 0), acceptedAt: Number(acceptedAt ?? 0), lane: storedLane(lane) };
  }
}
