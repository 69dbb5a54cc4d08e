import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { LANES } from '../../src/queue/lane';
import { buildShards } from '../../src/queue/shards';
import { type RedisClusterHandle, startRedisCluster } from '../../scripts/support/redis-cluster';
import { startStandInProxy, type StandInProxy } from '../../scripts/support/stand-in-proxy';
import { clusterEnv, MisdirectingResolver, wrongMaster } from '../support/cluster-fixture';
import { TEST_TOKEN } from '../support/env';
import { postJson } from '../support/http';
import { runConsumer, runProducer } from '../support/service';

describe('Redis Cluster: routing (real 3-master, 3-replica cluster)', function () {
  this.timeout(60_000);
  let cluster: RedisClusterHandle;
  let proxy: StandInProxy;

  before(async () => {
    // No skip: a cluster that cannot start fails the suite.
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 });
    proxy = await startStandInProxy();
  });

  after(async () => {
    await proxy?.close();
    await cluster?.stop();
  });

  beforeEach(() => proxy.reset());

  it("spreads each lane's 16 shards 5/6/5 over the three masters, and connects each to its owner", async () => {
    const masters = await cluster.masters();
    expect(masters).to.have.length(3);
    for (const lane of LANES) {
      const perMaster = new Map<number, number>();
      for (const shard of buildShards(16, lane)) {
        const owner = await cluster.ownerOfSlot(shard.slot);
        perMaster.set(owner, (perMaster.get(owner) ?? 0) + 1);
      }
      expect([...perMaster.values()].sort(), lane).to.deep.equal([5, 5, 6]);
    }

    const producer = await runProducer(clusterEnv(cluster, { PUSH_PROXY_URL: proxy.url }));
    try {
      await waitFor(() => producer.shards.queues.every((q) => q.node !== undefined), {
        timeoutMs: 10_000,
        description: 'every shard to connect',
      });
      for (const queue of producer.shards.queues) {
        expect(queue.node).to.equal(`127.0.0.1:${await cluster.ownerOfSlot(queue.shard.slot)}`);
      }
    } finally {
      await producer.close();
    }
  });

  it('carries a message to its pushes through the cluster', async () => {
    const env = clusterEnv(cluster, { PUSH_PROXY_URL: proxy.url });
    const producer = await runProducer(env);
    const consumer = await runConsumer(env);
    try {
      const recipientIds = Array.from({ length: 200 }, (_, i) => `member-${i}`);
      const body = { messageId: 'c1', roomId: 'r', senderId: 'member-0', recipientIds, notification: { body: 'hi' } };
      const res = await postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN);
      expect(res.status).to.equal(202);
      expect(res.body).to.deep.equal({ messageId: 'c1', accepted: 199, lane: 'interactive' });
      await waitFor(() => proxy.deliveries.size === 199, { timeoutMs: 15_000, description: '199 pushes' });
      expect(proxy.delivered).to.have.length(199);
    } finally {
      await consumer.close(1000);
      await producer.close();
    }
  });

  it('corrects a queue pointed at a non-owner, for producer and consumer alike', async () => {
    const env = clusterEnv(cluster, { PUSH_PROXY_URL: proxy.url });
    const wrong = (slot: number) => wrongMaster(cluster, slot);
    const producerResolver = new MisdirectingResolver(cluster, wrong);
    const producer = await runProducer(env, producerResolver);
    const consumer = await runConsumer(env, new MisdirectingResolver(cluster, wrong));
    try {
      const recipientIds = Array.from({ length: 64 }, (_, i) => `w-${i}`);
      const body = { messageId: 'c2', roomId: 'r', senderId: 's', recipientIds, notification: { body: 'hi' } };
      expect((await postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN)).status).to.equal(202);
      // The same room again in the bulk lane: a producer's queue is corrected when it is first written to.
      expect((await postJson(`${producer.url}/v1/messages`, { ...body, messageId: 'c3', lane: 'bulk' }, TEST_TOKEN)).status).to.equal(202);
      await waitFor(() => proxy.deliveries.size === 128, { timeoutMs: 15_000, description: '128 pushes despite misrouting' });
      for (const queue of [...producer.shards.queues, ...consumer.shards.queues]) {
        const label = `${queue.shard.lane} shard ${queue.shard.index}`;
        expect(queue.node, label).to.equal(`127.0.0.1:${await cluster.ownerOfSlot(queue.shard.slot)}`);
      }
    } finally {
      await consumer.close(1000);
      await producer.close();
    }
  });
});
