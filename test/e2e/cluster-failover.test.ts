import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { buildShards } from '../../src/queue/shards';
import type { Consumer } from '../../consumer/consumer';
import { type RedisClusterHandle, startRedisCluster } from '../../scripts/support/redis-cluster';
import { redisCommand } from '../../scripts/support/redis-command';
import { startStandInProxy, type StandInProxy } from '../../scripts/support/stand-in-proxy';
import { clusterEnv } from '../support/cluster-fixture';
import { TEST_TOKEN } from '../support/env';
import { deliveryReport, intakeOutage, startStream, type DeliveryReport } from '../support/message-stream';
import { runConsumer, runProducer, type RunningProducer } from '../support/service';

/** The slot of a shard every message writes to: its master is the one to break. */
const BUSY_SLOT = buildShards(16)[0]!.slot;

describe('Redis Cluster: failover while messages stream in (real cluster)', function () {
  this.timeout(120_000);
  let cluster: RedisClusterHandle;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer;

  before(async () => {
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 });
    proxy = await startStandInProxy({ countOnly: true });
    const env = clusterEnv(cluster, { PUSH_PROXY_URL: proxy.url, ENQUEUE_TIMEOUT_MS: '5000' });
    producer = await runProducer(env);
    consumer = await runConsumer(env);
  });

  after(async () => {
    await consumer?.close(1000);
    await producer?.close();
    await proxy?.close();
    await cluster?.stop();
  });

  /**
   * Streams messages, breaks the cluster once enough pushes flow, keeps
   * streaming until the cluster is healthy and intake has resumed, then
   * checks that every accepted push reached the proxy.
   */
  async function streamThrough(tag: string, breakIt: () => Promise<void>): Promise<{ report: DeliveryReport; outageMs: number }> {
    proxy.reset();
    // Every other message takes the bulk lane: shard 0 of both lanes lives on the broken master.
    const stream = startStream({ url: producer.url, token: TEST_TOKEN, recipients: 24, pauseMs: 10, tag, bulkEvery: 2 });
    await waitFor(() => proxy.deliveries.size > 300, { timeoutMs: 20_000, description: 'pushes flowing before the break' });
    const brokenAt = Date.now();
    await breakIt();
    await cluster.waitForHealthy(30_000);
    const healthyAfterMs = Date.now() - brokenAt;
    const acceptedAtHealthy = stream.progress().accepted.size;
    await waitFor(() => stream.progress().accepted.size > acceptedAtHealthy + 300, {
      timeoutMs: 20_000,
      description: 'intake to resume after the failover',
    });
    const result = await stream.stop();
    await waitFor(() => deliveryReport(result, proxy).lost === 0, {
      timeoutMs: 30_000,
      description: () => `every accepted push delivered (${JSON.stringify(deliveryReport(result, proxy))})`,
    });
    const report = deliveryReport(result, proxy);
    const outageMs = intakeOutage(result, brokenAt);
    const statuses = JSON.stringify(Object.fromEntries(result.statuses));
    process.stdout.write(
      `      ${tag}: ${JSON.stringify(report)}; cluster healthy after ${healthyAfterMs} ms; ` +
        `intake outage ${outageMs} ms; statuses ${statuses}\n`,
    );
    return { report, outageMs };
  }

  it('loses no accepted push when the busy master is SIGKILLed', async () => {
    const ownerPort = await cluster.ownerOfSlot(BUSY_SLOT);
    const victim = cluster.nodes.find((n) => n.port === ownerPort)!;
    const { report } = await streamThrough('sigkill', () => victim.kill('SIGKILL'));
    expect(report.lost).to.equal(0);
    expect(report.accepted).to.be.greaterThan(600);
    expect(await cluster.ownerOfSlot(BUSY_SLOT)).not.to.equal(ownerPort);
    // Back as a replica, so the next test has a full cluster again.
    await victim.restart();
    await cluster.waitForReplicas(30_000);
  });

  it('loses no accepted push through a graceful CLUSTER FAILOVER', async () => {
    const ownerPort = await cluster.ownerOfSlot(BUSY_SLOT);
    const master = (await cluster.masters()).find((m) => m.port === ownerPort)!;
    const replicaPort = master.replicaPorts[0]!;
    const { report } = await streamThrough('graceful', async () => {
      await redisCommand({ port: replicaPort }, ['CLUSTER', 'FAILOVER']);
      await waitFor(async () => (await cluster.ownerOfSlot(BUSY_SLOT)) === replicaPort, {
        timeoutMs: 20_000,
        description: 'the replica to take over the slot',
      });
    });
    expect(report.lost).to.equal(0);
    expect(report.accepted).to.be.greaterThan(600);
  });
});
