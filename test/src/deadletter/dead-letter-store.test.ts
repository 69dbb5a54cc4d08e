import { expect } from 'chai';
import { DeadLetterStore } from '../../../src/deadletter/dead-letter-store';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { buildShards } from '../../../src/queue/shards';
import { SHARED_REDIS_URL, uniquePrefix } from '../../support/env';
import { call, deletePrefix, withRedis } from '../../support/redis';

describe('dead-letter-store (real Redis)', () => {
  const prefix = uniquePrefix();
  const keys = new QueueKeys(prefix);
  const shard = buildShards(4)[1]!;
  const letter = (n: number, failedAt: number) => ({
    jobId: `m:${n}`,
    shard: 1,
    reason: 'rejected' as const,
    status: 400,
    error: 'bad',
    attempts: 1,
    failedAt,
    push: { messageId: 'm', roomId: 'r', senderId: 's', recipientId: String(n), notification: { body: 'b' }, acceptedAt: 0 },
  });

  afterEach(() => deletePrefix(SHARED_REDIS_URL, prefix));

  it('keeps at most maxPerShard letters, dropping the oldest', async () => {
    const store = new DeadLetterStore(keys, { ttlSeconds: 3600, maxPerShard: 3 });
    await withRedis(SHARED_REDIS_URL, async (client) => {
      const now = Date.now();
      for (let n = 0; n < 5; n++) await store.add(client, shard, letter(n, now + n));
      expect((await store.newest(client, shard, 100)).letters.map((l) => l.jobId)).to.deep.equal(['m:4', 'm:3', 'm:2']);
      expect(await call<number>(client, 'HLEN', keys.deadLetterDataKey(shard))).to.equal(3);
    });
  });

  it('drops letters older than the retention, and expires the whole store', async () => {
    const store = new DeadLetterStore(keys, { ttlSeconds: 60, maxPerShard: 100 });
    await withRedis(SHARED_REDIS_URL, async (client) => {
      const now = Date.now();
      await store.add(client, shard, letter(1, now - 120_000));
      await store.add(client, shard, letter(2, now));
      expect((await store.newest(client, shard, 100)).letters.map((l) => l.jobId)).to.deep.equal(['m:2']);
      expect(await call<number>(client, 'TTL', keys.deadLetterIndexKey(shard))).to.be.within(1, 60);
    });
  });

  it('reads the store a page at a time, every letter once', async () => {
    const store = new DeadLetterStore(keys, { ttlSeconds: 3600, maxPerShard: 1000 });
    await withRedis(SHARED_REDIS_URL, async (client) => {
      for (let n = 0; n < 300; n++) await store.add(client, shard, letter(n, Date.now()));
      const seen = new Set<string>();
      let [cursor, pages, largest] = ['0', 0, 0];
      do {
        const page = await store.page(client, shard, cursor, 50);
        page.letters.forEach((l) => seen.add(l.letter.jobId));
        [cursor, pages, largest] = [page.cursor, pages + 1, Math.max(largest, page.letters.length)];
      } while (cursor !== '0');
      expect(seen.size).to.equal(300);
      expect(pages).to.be.above(2);
      // COUNT is a hint; a page holds about that many, never the whole store.
      expect(largest).to.be.below(150);
    });
  });

  it('replays only letters unchanged since they were read, and keeps those whose job still exists', async () => {
    const store = new DeadLetterStore(keys, { ttlSeconds: 3600, maxPerShard: 10 });
    await withRedis(SHARED_REDIS_URL, async (client) => {
      const now = Date.now();
      for (const n of [1, 2, 3]) await store.add(client, shard, letter(n, now));
      const { letters } = await store.page(client, shard, '0', 10);
      // After the read: push 2 failed again (a new letter under the same id), and a job with id m:3 is queued.
      await store.add(client, shard, { ...letter(2, now + 1), attempts: 2 });
      await call(client, 'HSET', keys.beeKey(shard, 'jobs'), 'm:3', '{}');
      const result = await store.replay(client, shard, letters.map((stored) => ({ stored, jobJson: `{"id":"${stored.letter.jobId}"}` })));
      expect(result).to.deep.equal({ replayed: ['m:1'], skipped: ['m:3'] });
      const left = (await store.newest(client, shard, 10)).letters;
      expect(left.map((l) => [l.jobId, l.attempts]).sort()).to.deep.equal([['m:2', 2], ['m:3', 1]]);
      expect(await call<string[]>(client, 'LRANGE', keys.beeKey(shard, 'waiting'), 0, -1)).to.deep.equal(['m:1']);
      expect(await call<string>(client, 'HGET', keys.beeKey(shard, 'jobs'), 'm:1')).to.equal('{"id":"m:1"}');
    });
  });
});
