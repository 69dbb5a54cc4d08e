/**
 * addTemplatedJobs against real Redis: whatever Redis assembles from the
 * template must be byte for byte what addJobs writes with the JSON built in
 * Node by jobJsonFactory (which bulk-writer.test.ts holds to Bee-Queue's own
 * saveAll), under the same ids, in the same order, with and without an index,
 * waiting or delayed; existing ids are skipped; an id that would need JSON
 * escapes is refused before anything is sent; a refused write (OOM) leaves nothing.
 */
import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { startRedisServer } from '../../../scripts/support/redis-server';
import { addJobs, addTemplatedJobs, type TemplatedJobs } from '../../../src/bee/bulk-writer';
import { jobJsonFactory, jobJsonTemplate } from '../../../src/bee/job-json';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { buildShards } from '../../../src/queue/shards';
import { SHARED_REDIS_URL, uniquePrefix } from '../../support/env';
import { call, connectClient, deletePrefix, quitClient } from '../../support/redis';

const shard = buildShards(4)[2]!;
const DATA = { messageId: 'm1', roomId: 'r', senderId: 's', notification: { title: 'T "q" \u00e9', body: 'a \\ body \u2028 ✓' }, data: { k: [1, null] }, acceptedAt: 5 };
const OPTIONS = { retries: 3, backoff: { strategy: 'push', delay: 100, max: 1000 }, timestamp: 7 };
/** Every character an id may have (see message-schema's ID_PATTERN), and a long one. */
const RECIPIENTS = ['a', 'B.9_~:@+=/-x', 'r'.repeat(128), 'z'];

function templated(indexed: boolean, recipients: readonly string[], firstIndex: number): TemplatedJobs {
  return { idPrefix: 'm1:e1:', template: jobJsonTemplate(DATA, OPTIONS, indexed), recipients, firstIndex };
}

/** The same jobs with their JSON built in Node. */
function built(indexed: boolean, recipients: readonly string[], firstIndex: number): Array<{ id: string; json: string }> {
  const jsonFor = jobJsonFactory(DATA, OPTIONS);
  return recipients.map((r, i) => ({ id: `m1:e1:${r}`, json: indexed ? jsonFor(r, firstIndex + i) : jsonFor(r) }));
}

async function state(client: RedisClient, keys: QueueKeys): Promise<unknown[]> {
  const key = (suffix: 'jobs' | 'waiting' | 'delayed'): string => keys.beeKey(shard, suffix);
  return [await call(client, 'HGETALL', key('jobs')), await call(client, 'LRANGE', key('waiting'), 0, -1), await call(client, 'ZRANGE', key('delayed'), 0, -1, 'WITHSCORES')];
}

describe('bulk-add: addTemplatedJobs (real Redis)', () => {
  let client: RedisClient;
  let prefix: string;

  beforeEach(async () => {
    prefix = uniquePrefix();
    client = await connectClient(SHARED_REDIS_URL);
  });

  afterEach(async () => {
    await quitClient(client);
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  for (const indexed of [true, false]) {
    for (const delay of [undefined, Date.now() + 60_000]) {
      it(`leaves what addJobs leaves with jobJsonFactory's JSON (${indexed ? 'indexed' : 'no index'}, ${delay ? 'delayed' : 'waiting'})`, async () => {
        const viaTemplate = new QueueKeys(`${prefix}:t`);
        const viaJson = new QueueKeys(`${prefix}:j`);
        expect(await addTemplatedJobs(client, viaTemplate.beeKeys(shard), templated(indexed, RECIPIENTS, 12_345), delay)).to.equal(4);
        expect(await addJobs(client, viaJson.beeKeys(shard), built(indexed, RECIPIENTS, 12_345), delay)).to.equal(4);
        const [jobs] = await state(client, viaTemplate);
        expect(Object.keys(jobs as object)).to.have.length(4);
        expect(await state(client, viaTemplate)).to.deep.equal(await state(client, viaJson));
      });
    }
  }

  it('skips ids that exist (a retried chunk), keeping their JSON, and counts only new ones', async () => {
    const keys = new QueueKeys(prefix);
    await addTemplatedJobs(client, keys.beeKeys(shard), templated(true, ['a', 'b'], 0));
    const before = await call<string>(client, 'HGET', keys.beeKey(shard, 'jobs'), 'm1:e1:b');
    expect(await addTemplatedJobs(client, keys.beeKeys(shard), templated(true, ['b', 'c'], 7))).to.equal(1);
    expect(await call(client, 'HGET', keys.beeKey(shard, 'jobs'), 'm1:e1:b')).to.equal(before);
    expect(await call(client, 'LRANGE', keys.beeKey(shard, 'waiting'), 0, -1)).to.deep.equal(['m1:e1:c', 'm1:e1:b', 'm1:e1:a']);
    expect(JSON.parse(await call<string>(client, 'HGET', keys.beeKey(shard, 'jobs'), 'm1:e1:c')).data.index).to.equal(8);
    expect(await addTemplatedJobs(client, keys.beeKeys(shard), templated(true, ['a', 'b', 'c'], 0))).to.equal(0);
  });

  it('refuses an id whose JSON needs escapes, and a bad first index, before writing anything', async () => {
    const keys = new QueueKeys(prefix);
    for (const bad of ['a"b', 'a\\b', 'a\nb', 'é', '\u2028']) {
      await addTemplatedJobs(client, keys.beeKeys(shard), templated(true, ['ok', bad], 0)).then(
        () => expect.fail(`accepted ${JSON.stringify(bad)}`),
        (err: unknown) => expect(err).to.be.instanceOf(RangeError),
      );
    }
    for (const first of [-1, 0.5]) {
      await addTemplatedJobs(client, keys.beeKeys(shard), templated(true, ['ok'], first)).then(
        () => expect.fail(`accepted first index ${first}`),
        (err: unknown) => expect(err).to.be.instanceOf(RangeError),
      );
    }
    expect(await addTemplatedJobs(client, keys.beeKeys(shard), templated(true, [], 0))).to.equal(0);
    expect(await call(client, 'KEYS', `${prefix}:*`)).to.deep.equal([]);
  });
});

describe('bulk-add: addTemplatedJobs when Redis refuses writes (maxmemory, noeviction)', function () {
  this.timeout(20_000);

  it('rejects with OOM and leaves nothing half-written; the same chunk goes through once memory is freed', async () => {
    const redis = await startRedisServer({ args: ['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'] });
    const client = await connectClient(redis.url);
    const keys = new QueueKeys(uniquePrefix());
    const jobs = templated(true, ['a', 'b', 'c'], 0);
    try {
      await redis.command('SETRANGE', 'filler', String(8 * 1024 * 1024), 'x');
      const refused = await addTemplatedJobs(client, keys.beeKeys(shard), jobs).catch((err: unknown) => err);
      expect((refused as Error).message).to.match(/^OOM /);
      expect(await call(client, 'EXISTS', keys.beeKey(shard, 'jobs'), keys.beeKey(shard, 'waiting'))).to.equal(0);
      await redis.command('DEL', 'filler');
      expect(await addTemplatedJobs(client, keys.beeKeys(shard), jobs)).to.equal(3);
      expect(await call(client, 'LLEN', keys.beeKey(shard, 'waiting'))).to.equal(3);
    } finally {
      await quitClient(client);
      await redis.stop();
    }
  });
});
