/**
 * Delivery markers on real Redis: the packed bitfield (a push with an index) keeps today's
 * transitions, counts each push once and expires with the record; a push without an index keeps
 * its legacy hash field; and a 100k-push message's outcome keys stay within 4 bytes per push.
 */
import { expect } from 'chai';
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

  it('expires the bitfield and counters with the record, and at once when the record has expired', async () => {
    await withRedis(SHARED_REDIS_URL, async (c) => {
      const expiresAt = Date.now() + 30_000;
      await markers.record(c, shard, { ...push(3), recordExpiresAt: expiresAt }, 'delivered');
      for (const key of [keys.outcomeBitsKey(shard, 'm', 'e1'), keys.statsKey(shard, 'm', 'e1')]) {
        expect(await call<number>(c, 'PEXPIRETIME', key), key).to.equal(expiresAt);
      }
      const late = { ...push(0, 'gone'), recordExpiresAt: Date.now() - 1 };
      expect(await markers.record(c, shard, late, 'delivered')).to.equal(true);
      expect(await call<number>(c, 'EXISTS', keys.outcomeBitsKey(shard, 'gone', 'e1'), keys.statsKey(shard, 'gone', 'e1'))).to.equal(0);
      expect(Number(await call<string>(c, 'HGET', keys.totalsKey(shard), 'd'))).to.equal(2);
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
      expect(await markers.counts(c, shard, 'm', 'e1')).to.deep.include({ delivered: 2, failed: 0 });
      // A malformed index in job data (not a whole number >= 0) is no index.
      expect(await markers.outcomeOf(c, shard, { ...old, index: -1 })).to.equal('delivered');
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

/** Runs `fn` over `items` 1000 at a time (node-redis pipelines each batch). */
async function inBatches<T>(items: readonly T[], fn: (item: T, index: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += 1000) {
    await Promise.all(items.slice(start, start + 1000).map((item, i) => fn(item, start + i)));
  }
}
