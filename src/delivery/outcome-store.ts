/**
 * The outcome of every push, per message and recipient, kept in the push's
 * own shard slot. It is both the delivery marker (a job re-run after a crash
 * finds "delivered" and sends nothing) and the source of the status counts.
 * Marker and counter change in one Lua call, so a push is counted once no
 * matter how often its job runs.
 */
import type { RedisClient } from 'redis';
import { LuaScript } from '../queue/lua-script';
import type { QueueKeys, Shard } from '../queue/queue-keys';
import { sendCommand } from '../queue/redis-command';

/** What finally happened to a push. */
export type Outcome = 'delivered' | 'failed' | 'expired';

/** Outcome counts of one message. */
export type OutcomeCounts = Record<Outcome, number>;

const CODE: Record<Outcome, string> = { delivered: 'd', failed: 'f', expired: 'e' };
const OUTCOME_OF_CODE = new Map(Object.entries(CODE).map(([k, v]) => [v, k as Outcome]));

/**
 * Moves one push to a new outcome and keeps the message's counters and the
 * shard's lifetime totals in step. Delivered
 * and expired are final; failed may become delivered (a replayed dead
 * letter). Returns 1 if the outcome changed.
 */
const RECORD = new LuaScript(`
local prev = redis.call('HGET', KEYS[1], ARGV[1])
local next = ARGV[2]
if prev == next or prev == 'd' or prev == 'e' then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], next)
if prev then
  redis.call('HINCRBY', KEYS[2], prev, -1)
  redis.call('HINCRBY', KEYS[3], prev, -1)
end
redis.call('HINCRBY', KEYS[2], next, 1)
redis.call('HINCRBY', KEYS[3], next, 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
`);

/** Reads and records push outcomes. */
export class OutcomeStore {
  constructor(
    private readonly keys: QueueKeys,
    /** How long markers and counters outlive their last change. */
    private readonly ttlSeconds: number,
  ) {}

  /** The recorded outcome of one push, if any. */
  async outcomeOf(client: RedisClient, shard: Shard, messageId: string, recipientId: string): Promise<Outcome | undefined> {
    const code = await sendCommand(client, 'HGET', [this.keys.outcomesKey(shard, messageId), recipientId]);
    return typeof code === 'string' ? OUTCOME_OF_CODE.get(code) : undefined;
  }

  /** Records an outcome; true if it changed anything. */
  async record(client: RedisClient, shard: Shard, messageId: string, recipientId: string, outcome: Outcome): Promise<boolean> {
    const keys = [this.keys.outcomesKey(shard, messageId), this.keys.statsKey(shard, messageId), this.keys.totalsKey(shard)];
    return (await RECORD.run(client, keys, [recipientId, CODE[outcome], this.ttlSeconds])) === 1;
  }

  /** The counts of one message on one shard. */
  async counts(client: RedisClient, shard: Shard, messageId: string): Promise<OutcomeCounts> {
    return countsOf(await sendCommand(client, 'HMGET', [this.keys.statsKey(shard, messageId), 'd', 'f', 'e']));
  }
}

/** Parses an HMGET of the d, f, e fields of a counters hash. */
export function countsOf(reply: unknown): OutcomeCounts {
  const [d, f, e] = (reply as (string | null)[]).map((v) => Number(v ?? 0));
  return { delivered: d ?? 0, failed: f ?? 0, expired: e ?? 0 };
}
