/**
 * Delivery markers on real Redis: the packed bitfield (a push with an index) keeps today's
 * transitions, counts each push once (decoded from the markers) and expires with the record; a
 * push without an index keeps its legacy hash field; markers and counters left by the previous
 * version count once alongside new ones; a 100k-push message's outcome keys stay within 4 bytes
 * per push and a 1:1 message keeps one marker key.
 */
import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { DeliveryMarkers, type Outcome } from '../../../src/delivery/delivery-markers';
import type { PushRef } from '../../../src/push/push-job';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { buildShards } from '../../../src/queue/shards';
import { groupByShard } from '../../../src/message/expand';
import { SHARED_REDIS_URL, uniquePrefix } from '../../support/env';
import { call, deletePrefix, withRedis } from '../../support/redis';

const OUTCOMES: readonly Outcome[] = ['delivered', 'failed', 'expired', 'collapsed'];
/**
 * Whether a second outcome replaces a first: delivered, expired and collapsed are final; failed
 * gives way to any other (a replayed dead letter delivered, collapsed, or expired meanwhile).
 */
const changes = (from: Outcome, to: Outcome): boolean => from === 'failed' && to !== 'failed';

describe('delivery markers (real Redis)', function () {
  this.timeout(120_000);
  let prefix: string;
  let keys: QueueKeys;
  let markers: DeliveryMarkers;
  const [shard] = buildShards(1);
  if (!shard) throw new Error('no shard');

  beforeEach(() => {
    prefix = uniquePrefix();
    keys = new QueueKeys(prefix);
    markers = new DeliveryMarkers(keys, 60);
  });
  afterEach(() => deletePrefix(SHARED_REDIS_URL, prefix));

  const later = (): number => Date.now() + 60_000;
  const push = (index: number | undefined, messageId = 'm'): PushRef => ({
    messageId,
    recipientId: `r${index ?? 'x'}`,
    epoch: 'e1',
    recordExpiresAt: later(),
    ...(index === undefined ? {} : { index }),
  });

  it('applies every transition from every state to every outcome, counting each push once', async () => {
    await withRedis(SHARED_REDIS_URL, async (c) => {
      let index = 0;
      const expected = { delivered: 0, failed: 0, expired: 0, collapsed: 0 };
      for (const from of [undefined, ...OUTCOMES]) {
        for (const to of OUTCOMES) {
          const p = push(index++);
          if (from) expect(await markers.record(c, shard, p, from), `none -> ${from}`).to.equal(true);
          const changed = await markers.record(c, shard, p, to);
          const want = from === undefined || changes(from, to);
          expect(changed, `${from ?? 'none'} -> ${to}`).to.equal(want);
          const final = want ? to : (from as Outcome);
          expect(await markers.outcomeOf(c, shard, p), `${from ?? 'none'} -> ${to}`).to.equal(final);
          // Recording the same outcome again changes nothing.
          expect(await markers.record(c, shard, p, final)).to.equal(false);
          expected[final] += 1;
        }
      }
      expect(await markers.counts(c, shard, 'm', 'e1')).to.deep.equal(expected);
      const totals = await call<string[]>(c, 'HMGET', keys.totalsKey(shard), 'd', 'f', 'e', 'c');
      expect(totals.map(Number)).to.deep.equal([expected.delivered, expected.failed, expected.expired, expected.collapsed]);
      expect(await call<string>(c, 'TYPE', keys.outcomeBitsKey(shard, 'm', 'e1'))).to.equal('string');
      expect(await call<number>(c, 'EXISTS', keys.outcomesKey(shard, 'm', 'e1'))).to.equal(0);
    });
  });

  it('keeps neighbouring slots apart (3 bits each, across byte boundaries)', async () => {
    await withRedis(SHARED_REDIS_URL, async (c) => {
      const plan = Array.from({ length: 24 }, (_, i) => OUTCOMES[i % 4] as Outcome);
      for (let i = 23; i >= 0; i -= 2) await markers.record(c, shard, push(i), plan[i]!);
      for (let i = 0; i < 24; i += 2) await markers.record(c, shard, push(i), plan[i]!);
      for (let i = 0; i < 24; i++) expect(await markers.outcomeOf(c, shard, push(i)), `slot ${i}`).to.equal(plan[i]);
      expect(await markers.outcomeOf(c, shard, push(24))).to.equal(undefined);
      // 24 slots of 3 bits: 9 bytes, nothing more.
      expect(await call<number>(c, 'STRLEN', keys.outcomeBitsKey(shard, 'm', 'e1'))).to.equal(9);
    });
  });

  it('expires the bitfield with the record, at once when the record has expired, and a reuse of the id starts from nothing', async () => {
    await withRedis(SHARED_REDIS_URL, async (c) => {
      const expiresAt = Date.now() + 30_000;
      await markers.record(c, shard, { ...push(3), recordExpiresAt: expiresAt }, 'delivered');
      await markers.record(c, shard, { ...push(4), recordExpiresAt: expiresAt }, 'failed');
      await markers.record(c, shard, { ...push(4), recordExpiresAt: expiresAt }, 'delivered');
      expect(await call<number>(c, 'PEXPIRETIME', keys.outcomeBitsKey(shard, 'm', 'e1'))).to.equal(expiresAt);
      // No counters beside the markers: the marker is the message's one outcome key on the shard.
      expect(await call<number>(c, 'EXISTS', keys.statsKey(shard, 'm', 'e1'), keys.outcomesKey(shard, 'm', 'e1'))).to.equal(0);
      const late = { ...push(0, 'gone'), recordExpiresAt: Date.now() - 1 };
      expect(await markers.record(c, shard, late, 'delivered')).to.equal(true);
      expect(await call<number>(c, 'EXISTS', keys.outcomeBitsKey(shard, 'gone', 'e1'), keys.statsKey(shard, 'gone', 'e1'))).to.equal(0);
      expect(await markers.counts(c, shard, 'gone', 'e1')).to.deep.equal({ delivered: 0, failed: 0, expired: 0, collapsed: 0 });
      expect(await call<string[]>(c, 'HMGET', keys.totalsKey(shard), 'd', 'f')).to.deep.equal(['3', '0']);
      // The id reused after its window (a new acceptance, a new epoch): its first push starts from nothing.
      const reuse = { ...push(3), epoch: 'e2' };
      expect(await markers.outcomeOf(c, shard, reuse)).to.equal(undefined);
      expect(await markers.counts(c, shard, 'm', 'e2')).to.deep.equal({ delivered: 0, failed: 0, expired: 0, collapsed: 0 });
      expect(await markers.record(c, shard, reuse, 'failed')).to.equal(true);
      expect(await markers.counts(c, shard, 'm', 'e2')).to.deep.equal({ delivered: 0, failed: 1, expired: 0, collapsed: 0 });
      expect(await markers.counts(c, shard, 'm', 'e1')).to.deep.equal({ delivered: 2, failed: 0, expired: 0, collapsed: 0 });
    });
  });

  it('counts pushes from before epochs (keys without one, expiry by the TTL) the same way', async () => {
    await withRedis(SHARED_REDIS_URL, async (c) => {
      const old = { messageId: 'pre', recipientId: 'a', index: 2 };
      const older = { messageId: 'pre', recipientId: 'b' };
      expect(await markers.record(c, shard, old, 'failed')).to.equal(true);
      expect(await markers.record(c, shard, older, 'expired')).to.equal(true);
      expect(await markers.counts(c, shard, 'pre')).to.deep.equal({ delivered: 0, failed: 1, expired: 1, collapsed: 0 });
      const ttl = await call<number>(c, 'TTL', keys.outcomeBitsKey(shard, 'pre'));
      expect(ttl).to.be.within(1, 60);
    });
  });

  it("finishes the push's job run in the same call when asked, whether or not the outcome changed, but never for 'failed'", async () => {
    await withRedis(SHARED_REDIS_URL, async (c) => {
      const bee = { active: `${prefix}:q:active`, stalling: `${prefix}:q:stalling`, jobs: `${prefix}:q:jobs` };
      const enqueue = async (id: string) => {
        await call(c, 'LPUSH', bee.active, id);
        await call(c, 'SADD', bee.stalling, id);
        await call(c, 'HSET', bee.jobs, id, '{}');
      };
      const finish = (id: string) => ({ keys: [bee.active, bee.stalling, bee.jobs] as const, id });
      const left = async () => [await call<string[]>(c, 'LRANGE', bee.active, 0, -1), await call<string[]>(c, 'SMEMBERS', bee.stalling), await call<string[]>(c, 'HKEYS', bee.jobs)];
      await enqueue('j1');
      await enqueue('j2');
      expect(await markers.record(c, shard, push(1), 'delivered', finish('j1'))).to.equal(true);
      expect(await left()).to.deep.equal([['j2'], ['j2'], ['j2']]);
      // A re-run of an already delivered push: nothing changes but its run is finished.
      await enqueue('j1');
      expect(await markers.record(c, shard, push(1), 'collapsed', finish('j1'))).to.equal(false);
      expect(await left()).to.deep.equal([['j2'], ['j2'], ['j2']]);
      expect(await markers.outcomeOf(c, shard, push(1))).to.equal('delivered');
      // A failed run is Bee-Queue's to finish (retry or fail), never the outcome script's.
      let refused: unknown;
      await markers.record(c, shard, push(2), 'failed', finish('j2')).catch((err: unknown) => (refused = err));
      expect(String(refused)).to.match(/not a finished run/);
      expect(await left()).to.deep.equal([['j2'], ['j2'], ['j2']]);
    });
  });

  it('keeps the legacy hash field for a push without an index (queued by an older version)', async () => {
    await withRedis(SHARED_REDIS_URL, async (c) => {
      const old = push(undefined);
      expect(await markers.record(c, shard, old, 'failed')).to.equal(true);
      expect(await markers.record(c, shard, old, 'delivered')).to.equal(true);
      expect(await markers.record(c, shard, old, 'failed')).to.equal(false);
      expect(await call<string>(c, 'HGET', keys.outcomesKey(shard, 'm', 'e1'), old.recipientId)).to.equal('d');
      expect(await markers.outcomeOf(c, shard, old)).to.equal('delivered');
      expect(await call<number>(c, 'EXISTS', keys.outcomeBitsKey(shard, 'm', 'e1'))).to.equal(0);
      // Old and new pushes of one acceptance count together.
      await markers.record(c, shard, push(0), 'delivered');
      await markers.record(c, shard, push(undefined, 'm'), 'delivered');
      await markers.record(c, shard, { ...old, recipientId: 'rz' }, 'collapsed');
      expect(await markers.counts(c, shard, 'm', 'e1')).to.deep.equal({ delivered: 2, failed: 0, expired: 0, collapsed: 1 });
      // A malformed index in job data (not a whole number >= 0) is no index.
      expect(await markers.outcomeOf(c, shard, { ...old, index: -1 })).to.equal('delivered');
    });
  });

  it('counts markers and counters left by the previous version once, alongside new ones, in both directions (rolling upgrade)', async () => {
    await withRedis(SHARED_REDIS_URL, async (c) => {
      const p = (index: number | undefined, recipientId = `r${index}`): PushRef => ({ ...push(index, 'up'), recipientId });
      // Pods still on the previous version: pushes 0..3, 6 and a push without an index.
      await previousRecord(c, keys, p(0), 'd');
      await previousRecord(c, keys, p(1), 'f');
      await previousRecord(c, keys, p(2), 'e');
      await previousRecord(c, keys, p(3), 'f');
      await previousRecord(c, keys, p(undefined, 'h1'), 'f');
      // This version: a replay of a dead letter the previous version failed, a re-run of a delivered push, new pushes.
      expect(await markers.record(c, shard, p(1), 'delivered')).to.equal(true);
      expect(await markers.record(c, shard, p(0), 'collapsed')).to.equal(false);
      expect(await markers.record(c, shard, p(3), 'failed')).to.equal(false);
      expect(await markers.record(c, shard, p(4), 'delivered')).to.equal(true);
      expect(await markers.record(c, shard, p(5), 'collapsed')).to.equal(true);
      expect(await markers.record(c, shard, p(6), 'failed')).to.equal(true);
      expect(await markers.record(c, shard, p(undefined, 'h1'), 'delivered')).to.equal(true);
      // And the previous version again, replaying what this one failed: the same slot, the same rules.
      expect(await previousRecord(c, keys, p(6), 'd')).to.equal(1);
      expect(await previousRecord(c, keys, p(4), 'f')).to.equal(0);
      const want = { delivered: 5, failed: 1, expired: 1, collapsed: 1 };
      expect(await markers.counts(c, shard, 'up', 'e1')).to.deep.equal(want);
      // The previous version's counters exist but are not read (they miss this version's records).
      expect(await call<string[]>(c, 'HMGET', keys.statsKey(shard, 'up', 'e1'), 'd', 'f', 'e')).to.deep.equal(['2', '2', '1']);
      // A delivered marker the previous version wrote stops a re-send: the take's peek (key parts
      // from QueueKeys) and the handler's own read both find it.
      const { stem, separator } = keys.outcomeBitsKeyParts(shard);
      const [peeked] = await call<number[]>(c, 'BITFIELD_RO', `${stem}up${separator}e1`, 'GET', 'u3', '#0');
      expect(await markers.outcomeOf(c, shard, p(0), peeked)).to.equal('delivered');
      expect(await markers.outcomeOf(c, shard, p(6))).to.equal('delivered');
    });
  });

  it('keeps one marker key for a 1:1 message, no counters (MEMORY USAGE, side by side with the previous layout)', async () => {
    await withRedis(SHARED_REDIS_URL, async (c) => {
      const bytesOf = async (messageId: string): Promise<number> => {
        let bytes = 0;
        for (const name of [keys.outcomesKey(shard, messageId, 'e1'), keys.outcomeBitsKey(shard, messageId, 'e1'), keys.statsKey(shard, messageId, 'e1')]) {
          bytes += Number((await call<number | null>(c, 'MEMORY', 'USAGE', name, 'SAMPLES', '0')) ?? 0);
        }
        return bytes;
      };
      await markers.record(c, shard, push(0, 'one'), 'delivered');
      await previousRecord(c, keys, push(0, 'prev'), 'd');
      const [now, before] = [await bytesOf('one'), await bytesOf('prev')];
      expect(await call<number>(c, 'EXISTS', keys.statsKey(shard, 'one', 'e1'), keys.outcomesKey(shard, 'one', 'e1'))).to.equal(0);
      process.stdout.write(`      outcome keys of a 1:1 message: ${now} B (previous layout ${before} B)\n`);
      expect(now).to.be.below(before);
      expect(await markers.counts(c, shard, 'one', 'e1')).to.deep.equal({ delivered: 1, failed: 0, expired: 0, collapsed: 0 });
    });
  });

  it('holds a 100k-push message on 16 shards in at most 4 bytes per push (MEMORY USAGE of outcome and counter keys)', async () => {
    const recipients = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
    const shards = buildShards(16);
    const groups = groupByShard(recipients, 16);
    const perPush = async (indexed: boolean, messageId: string): Promise<number> =>
      withRedis(SHARED_REDIS_URL, async (c) => {
        const expiresAt = later();
        for (const [s, group] of groups.entries()) {
          const target = shards[s]!;
          await inBatches(group, (r, i) => markers.record(c, target, { messageId, recipientId: r, epoch: 'e1', recordExpiresAt: expiresAt, ...(indexed ? { index: i } : {}) }, 'delivered'));
        }
        let bytes = 0;
        for (const s of shards) {
          const names = [keys.outcomesKey(s, messageId, 'e1'), keys.outcomeBitsKey(s, messageId, 'e1'), keys.statsKey(s, messageId, 'e1')];
          for (const name of names) bytes += Number((await call<number | null>(c, 'MEMORY', 'USAGE', name, 'SAMPLES', '0')) ?? 0);
        }
        const counted = (await Promise.all(shards.map((s) => markers.counts(c, s, messageId, 'e1')))).reduce((n, x) => n + x.delivered, 0);
        expect(counted).to.equal(recipients.length);
        return bytes / recipients.length;
      });
    const packed = await perPush(true, 'big');
    const legacy = await perPush(false, 'old');
    process.stdout.write(`      outcome + counter keys per push: ${packed.toFixed(2)} B packed, ${legacy.toFixed(1)} B legacy hash\n`);
    expect(packed).to.be.at.most(4);
  });
});

/**
 * The outcome script as the previous version (issue 14 part 4) ran it, without the run finish:
 * marker, counters hash and totals. Data it left, or that pods still running it write during a
 * rolling upgrade, must count once.
 */
const PREVIOUS_RECORD = `
local LETTER = {'d', 'f', 'e', 'c'}
local CODE = {d = 1, f = 2, e = 3, c = 4}
local next = ARGV[2]
local bits = ARGV[5] == 'b'
local prev
if bits then prev = LETTER[redis.call('BITFIELD', KEYS[1], 'GET', 'u3', '#' .. ARGV[1])[1]]
else prev = redis.call('HGET', KEYS[1], ARGV[1]) end
if prev == next or prev == 'd' or prev == 'e' or prev == 'c' then return 0 end
if bits then redis.call('BITFIELD', KEYS[1], 'SET', 'u3', '#' .. ARGV[1], CODE[next])
else redis.call('HSET', KEYS[1], ARGV[1], next) end
if prev then
  redis.call('HINCRBY', KEYS[2], prev, -1)
  redis.call('HINCRBY', KEYS[3], prev, -1)
end
redis.call('HINCRBY', KEYS[2], next, 1)
redis.call('HINCRBY', KEYS[3], next, 1)
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('PEXPIREAT', KEYS[2], ARGV[4])
return 1`;

/** Records `letter` for `p` as the previous version did; 1 if it changed the outcome. */
function previousRecord(c: RedisClient, keys: QueueKeys, p: PushRef, letter: string): Promise<number> {
  const [shard] = buildShards(1);
  if (!shard) throw new Error('no shard');
  const packed = p.index !== undefined;
  const marker = packed ? keys.outcomeBitsKey(shard, p.messageId, p.epoch) : keys.outcomesKey(shard, p.messageId, p.epoch);
  const args = [packed ? p.index : p.recipientId, letter, 60, p.recordExpiresAt ?? 0, packed ? 'b' : 'h'];
  return call<number>(c, 'EVAL', PREVIOUS_RECORD, 3, marker, keys.statsKey(shard, p.messageId, p.epoch), keys.totalsKey(shard), ...(args as (string | number)[]));
}

/** Runs `fn` over `items` 1000 at a time (node-redis pipelines each batch). */
async function inBatches<T>(items: readonly T[], fn: (item: T, index: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += 1000) {
    await Promise.all(items.slice(start, start + 1000).map((item, i) => fn(item, start + i)));
  }
}
