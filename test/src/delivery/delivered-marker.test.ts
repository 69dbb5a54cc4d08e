/**
 * The delivered marker after a 2xx: refused by a full Redis, it is retried
 * (and counted) until memory is freed, and a refused record writes nothing at
 * all; its job's connection gone, it is written through the shard's new route.
 */
import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { startRedisServer, type RedisServerHandle } from '../../../scripts/support/redis-server';
import { silentLogger } from '../../../src/core/logger';
import { waitFor } from '../../../src/core/wait-for';
import { recordDelivered } from '../../../src/delivery/delivered-marker';
import { DeliveryMarkers } from '../../../src/delivery/delivery-markers';
import { commandClient } from '../../../src/bee/queue-connections';
import { clientOf } from '../../../src/routing/on-shard';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { ShardSet } from '../../../src/routing/shard-set';
import { baseEnv, consumerConfig } from '../../support/env';

describe('recordDelivered (real redis-server)', function () {
  this.timeout(30_000);
  let redis: RedisServerHandle;
  let shards: ShardSet;
  let keys: QueueKeys;
  const refusals: string[] = [];

  beforeEach(async () => {
    redis = await startRedisServer({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction'] });
    refusals.length = 0;
    const config = consumerConfig(baseEnv({ REDIS_URL: redis.url, QUEUE_SHARDS: '1' }));
    keys = new QueueKeys(config.queue.prefix);
    shards = ShardSet.create({ config, role: 'producer', log: silentLogger(), onWriteRefused: (_, cause) => void refusals.push(cause) });
  });

  afterEach(async () => {
    await shards.close(1000);
    await redis.stop();
  });

  const record = (c: RedisClient): Promise<boolean> => new DeliveryMarkers(keys, 60).record(c, shards.get(0).shard, { messageId: 'm1', recipientId: 'a' }, 'delivered');
  const marker = (): Promise<unknown> => redis.command('HGET', keys.outcomesKey(shards.get(0).shard, 'm1'), 'a');

  it('retries a marker a full Redis refuses, counts each refusal, and writes it once memory is freed', async () => {
    const router = shards.get(0);
    const queue = await router.acquire(Date.now() + 5000);
    await redis.command('SETRANGE', 'filler', '100000000', 'x');
    let done = false;
    const writing = recordDelivered(router, queue, record).then(() => (done = true));
    await waitFor(() => refusals.length >= 3, { timeoutMs: 10_000, description: 'three refused attempts' });
    expect(done).to.equal(false);
    expect(refusals.every((c) => c === 'oom')).to.equal(true);
    await redis.command('DEL', 'filler');
    await writing;
    expect(await marker()).to.equal('d');
  });

  it('writes through the shard\'s new route when the job\'s connection is gone', async () => {
    const router = shards.get(0);
    const queue = await router.acquire(Date.now() + 5000);
    // The job's connection breaks between the 2xx and the marker.
    commandClient(queue)!.end(true);
    await recordDelivered(router, queue, record);
    expect(await marker()).to.equal('d');
    expect(router.node).to.be.a('string');
  });

  it('retries a packed marker a full Redis refuses, while its read (BITFIELD_RO) still answers', async () => {
    const router = shards.get(0);
    const queue = await router.acquire(Date.now() + 5000);
    const markers = new DeliveryMarkers(keys, 60);
    const push = { messageId: 'm2', recipientId: 'b', epoch: 'e1', recordExpiresAt: Date.now() + 60_000, index: 9 };
    await redis.command('SETRANGE', 'filler', '100000000', 'x');
    // The consumer reads the marker before it sends: a full node must not fail that read.
    expect(await markers.outcomeOf(clientOf(queue), router.shard, push)).to.equal(undefined);
    const writing = recordDelivered(router, queue, (c) => markers.record(c, router.shard, push, 'delivered'));
    await waitFor(() => refusals.length >= 2, { timeoutMs: 10_000, description: 'two refused attempts' });
    await redis.command('DEL', 'filler');
    expect(await writing).to.equal(true);
    expect(await markers.outcomeOf(clientOf(queue), router.shard, push)).to.equal('delivered');
  });

  it('leaves nothing half-written when a full Redis refuses a record, and still answers status reads', async () => {
    const router = shards.get(0);
    const c = clientOf(await router.acquire(Date.now() + 5000));
    const markers = new DeliveryMarkers(keys, 60);
    const shard = router.shard;
    const at = (index: number | undefined, recipientId: string) => ({ messageId: 'm3', recipientId, epoch: 'e1', recordExpiresAt: Date.now() + 60_000, ...(index === undefined ? {} : { index }) });
    const bee = { active: `${keys.prefix}:t:active`, stalling: `${keys.prefix}:t:stalling`, jobs: `${keys.prefix}:t:jobs` };
    const finish = { keys: [bee.active, bee.stalling, bee.jobs] as const, id: 'j1' };
    await redis.command('LPUSH', bee.active, 'j1', 'j0');
    await redis.command('HSET', bee.jobs, 'j1', '{}');
    expect(await markers.record(c, shard, at(0, 'a'), 'delivered')).to.equal(true);
    const before = await Promise.all([redis.command('GET', keys.outcomeBitsKey(shard, 'm3', 'e1')), redis.command('HGETALL', keys.totalsKey(shard))]);
    await redis.command('SETRANGE', 'filler', '100000000', 'x');
    const refused = async (write: Promise<unknown>): Promise<void> => {
      const err = await write.then(() => undefined, (e: unknown) => e);
      expect(String(err)).to.match(/OOM/);
    };
    // A new marker (packed, then legacy): refused before anything is written.
    await refused(markers.record(c, shard, at(1, 'b'), 'delivered', finish));
    await refused(markers.record(c, shard, at(undefined, 'h'), 'expired'));
    const after = await Promise.all([redis.command('GET', keys.outcomeBitsKey(shard, 'm3', 'e1')), redis.command('HGETALL', keys.totalsKey(shard))]);
    expect(after).to.deep.equal(before);
    expect(await redis.command('EXISTS', keys.outcomesKey(shard, 'm3', 'e1'))).to.equal(0);
    expect(await redis.command('LRANGE', bee.active, '0', '-1')).to.deep.equal(['j0', 'j1']);
    expect(await redis.command('HEXISTS', bee.jobs, 'j1')).to.equal(1);
    // A re-run of a push already final changes no marker, so its run still finishes on the full node
    // (its read is BITFIELD_RO, and LREM/SREM/HDEL only free memory): the job does not stay in `active`.
    expect(await markers.record(c, shard, at(0, 'a'), 'collapsed', { ...finish, id: 'j0' })).to.equal(false);
    expect(await Promise.all([redis.command('GET', keys.outcomeBitsKey(shard, 'm3', 'e1')), redis.command('HGETALL', keys.totalsKey(shard))])).to.deep.equal(before);
    expect(await redis.command('LRANGE', bee.active, '0', '-1')).to.deep.equal(['j1']);
    // The status read only reads: it answers on the full node.
    expect(await markers.counts(c, shard, 'm3', 'e1')).to.deep.equal({ delivered: 1, failed: 0, expired: 0, collapsed: 0 });
    await redis.command('DEL', 'filler');
    expect(await markers.record(c, shard, at(1, 'b'), 'delivered', finish)).to.equal(true);
    expect(await redis.command('LRANGE', bee.active, '0', '-1')).to.deep.equal([]);
    expect(await markers.counts(c, shard, 'm3', 'e1')).to.deep.equal({ delivered: 2, failed: 0, expired: 0, collapsed: 0 });
  });
});
