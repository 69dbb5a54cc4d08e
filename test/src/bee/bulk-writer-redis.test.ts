/**
 * The bulk writer (addJobs) against real Redis, beside the contract test
 * (bulk-writer.test.ts) that compares it with Bee-Queue's own saveAll: what it leaves in the shard's
 * Bee-Queue keys, which ids it skips, when it tells delayed-job workers to
 * re-arm their timers, and what a refused write (OOM) leaves behind.
 */
import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { startRedisServer } from '../../../scripts/support/redis-server';
import { waitFor } from '../../../src/core/wait-for';
import type { BeeSuffix } from '../../../src/bee/bee-keys';
import { addJobs } from '../../../src/bee/bulk-writer';
import { jobJson } from '../../../src/bee/job-json';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { buildShards } from '../../../src/queue/shards';
import { SHARED_REDIS_URL, uniquePrefix } from '../../support/env';
import { call, deletePrefix, connectClient, quitClient } from '../../support/redis';

const shard = buildShards(4)[1]!;
const job = (id: string): { id: string; json: string } => ({ id, json: jobJson({ recipientId: id }, { retries: 2 }) });


describe('bulk-add: addJobs (real Redis)', () => {
  let client: RedisClient;
  let keys: QueueKeys;
  let prefix: string;
  const key = (suffix: BeeSuffix): string => keys.beeKey(shard, suffix);

  beforeEach(async () => {
    prefix = uniquePrefix();
    keys = new QueueKeys(prefix);
    client = await connectClient(SHARED_REDIS_URL);
  });

  afterEach(async () => {
    await quitClient(client);
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  it('saves each job JSON in the jobs hash and LPUSHes its id onto waiting, as addJob.lua does one by one', async () => {
    const jobs = ['a', 'b', 'c'].map(job);
    expect(await addJobs(client, keys.beeKeys(shard), jobs)).to.equal(3);
    expect(await call(client, 'HGETALL', key('jobs'))).to.deep.equal(Object.fromEntries(jobs.map((j) => [j.id, j.json])));
    // LPUSH one at a time leaves the last id at the head; workers pop from the tail, so 'a' runs first.
    expect(await call(client, 'LRANGE', key('waiting'), 0, -1)).to.deep.equal(['c', 'b', 'a']);
    expect(await call(client, 'EXISTS', key('delayed'))).to.equal(0);
  });

  it('skips ids that already exist: their JSON is kept, they are not queued again, and only new ones count', async () => {
    await addJobs(client, keys.beeKeys(shard), [job('a')]);
    const changed = { id: 'a', json: jobJson({ recipientId: 'changed' }, {}) };
    expect(await addJobs(client, keys.beeKeys(shard), [changed, job('b')])).to.equal(1);
    expect(await call(client, 'HGET', key('jobs'), 'a')).to.equal(job('a').json);
    expect(await call(client, 'LRANGE', key('waiting'), 0, -1)).to.deep.equal(['b', 'a']);
    expect(await addJobs(client, keys.beeKeys(shard), [job('a'), job('b')])).to.equal(0);
    expect(await call(client, 'LLEN', key('waiting'))).to.equal(2);
  });

  it('writes nothing for an empty chunk', async () => {
    expect(await addJobs(client, keys.beeKeys(shard), [])).to.equal(0);
    expect(await call(client, 'KEYS', `${prefix}:*`)).to.deep.equal([]);
  });

  it('puts delayed jobs in the delayed set at their time, and not on waiting', async () => {
    const at = Date.now() + 60_000;
    expect(await addJobs(client, keys.beeKeys(shard), [job('d1'), job('d2')], at)).to.equal(2);
    expect(await call(client, 'ZRANGE', key('delayed'), 0, -1, 'WITHSCORES')).to.deep.equal(['d1', String(at), 'd2', String(at)]);
    expect(await call(client, 'EXISTS', key('waiting'))).to.equal(0);
    expect(await call(client, 'HLEN', key('jobs'))).to.equal(2);
  });

  it('publishes on earlierDelayed only when the chunk becomes the head of the delayed set', async () => {
    const subscriber = await connectClient(SHARED_REDIS_URL);
    const heard: string[] = [];
    try {
      subscriber.on('message', (_channel: string, message: string) => heard.push(message));
      await new Promise((resolve) => subscriber.subscribe(key('earlierDelayed'), resolve));
      const later = Date.now() + 120_000;
      const earlier = later - 60_000;
      await addJobs(client, keys.beeKeys(shard), [job('late')], later);
      await addJobs(client, keys.beeKeys(shard), [job('later-still')], later + 1000);
      await addJobs(client, keys.beeKeys(shard), [job('early')], earlier);
      // A marker published after the three writes: once it arrives, every earlier message has too.
      await call(client, 'PUBLISH', key('earlierDelayed'), 'end');
      await waitFor(() => heard.includes('end'), { timeoutMs: 2000, description: () => `the marker (heard ${JSON.stringify(heard)})` });
      expect(heard).to.deep.equal([String(later), String(earlier), 'end']);
    } finally {
      await quitClient(subscriber);
    }
  });
});

describe('bulk-add: addJobs when Redis refuses writes (maxmemory, noeviction)', function () {
  this.timeout(20_000);

  it('rejects with OOM and leaves nothing half-written; the same chunk goes through once memory is freed', async () => {
    const redis = await startRedisServer({ args: ['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'] });
    const client = await connectClient(redis.url);
    const keys = new QueueKeys(uniquePrefix());
    const jobs = ['a', 'b', 'c'].map(job);
    try {
      // Allowed because memory is under the limit when it starts; it leaves memory well over it.
      await redis.command('SETRANGE', 'filler', String(8 * 1024 * 1024), 'x');
      const refused = await addJobs(client, keys.beeKeys(shard), jobs).catch((err: unknown) => err);
      expect(refused).to.be.instanceOf(Error);
      expect((refused as Error).message).to.match(/^OOM /);
      expect(await call(client, 'HLEN', keys.beeKey(shard, 'jobs'))).to.equal(0);
      expect(await call(client, 'LLEN', keys.beeKey(shard, 'waiting'))).to.equal(0);
      await redis.command('DEL', 'filler');
      expect(await addJobs(client, keys.beeKeys(shard), jobs)).to.equal(3);
      expect(await call(client, 'LLEN', keys.beeKey(shard, 'waiting'))).to.equal(3);
    } finally {
      await quitClient(client);
      await redis.stop();
    }
  });
});
