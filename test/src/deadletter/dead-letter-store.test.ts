import { expect } from 'chai';
import { DeadLetterStore } from '../../../src/deadletter/dead-letter-store';
import { buildShards, QueueKeys } from '../../../src/queue/queue-keys';
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
      expect((await store.list(client, shard)).map((l) => l.jobId)).to.deep.equal(['m:4', 'm:3', 'm:2']);
      expect(await call<number>(client, 'HLEN', keys.deadLetterDataKey(shard))).to.equal(3);
    });
  });

  it('drops letters older than the retention, and expires the whole store', async () => {
    const store = new DeadLetterStore(keys, { ttlSeconds: 60, maxPerShard: 100 });
    await withRedis(SHARED_REDIS_URL, async (client) => {
      const now = Date.now();
      await store.add(client, shard, letter(1, now - 120_000));
      await store.add(client, shard, letter(2, now));
      expect((await store.list(client, shard)).map((l) => l.jobId)).to.deep.equal(['m:2']);
      expect(await call<number>(client, 'TTL', keys.deadLetterIndexKey(shard))).to.be.within(1, 60);
    });
  });

  it('removes by job id', async () => {
    const store = new DeadLetterStore(keys, { ttlSeconds: 3600, maxPerShard: 10 });
    await withRedis(SHARED_REDIS_URL, async (client) => {
      await store.add(client, shard, letter(1, Date.now()));
      await store.remove(client, shard, ['m:1']);
      expect(await store.list(client, shard)).to.deep.equal([]);
    });
  });
});
