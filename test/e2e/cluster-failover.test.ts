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
import { shardIndexFor } from '../../src/routing/shard-index';
import { backwardsSends, lastByPair, startRoomStream } from '../support/collapse';
import type { ReceivedPush } from '../../scripts/support/stand-in-proxy';

/** Redis' CLUSTER_MF_TIMEOUT: a manual failover not completed by then is aborted. */
const MANUAL_FAILOVER_TIMEOUT_MS = 5000;

/** The slot of a shard every message writes to: its master is the one to break. */
const BUSY_SLOT = buildShards(16)[0]!.slot;

/** Members whose collapse state lives in shard 0's slot (on the broken master), and as many elsewhere. */
function roomsOnBusyShard(rooms: number, members: number): string[][] {
  const ids = (wanted: (id: string) => boolean): string[] => {
    const found: string[] = [];
    for (let n = 0; found.length < rooms * members; n++) if (wanted(`cm${n}`)) found.push(`cm${n}`);
    return found;
  };
  const busy = ids((id) => shardIndexFor(id, 16) === 0);
  const other = ids((id) => shardIndexFor(id, 16) !== 0);
  return Array.from({ length: rooms }, (_, r) => [...busy.slice(r * members, (r + 1) * members), ...other.slice(r * members, (r + 1) * members)]);
}

describe('Redis Cluster: failover while messages stream in (real cluster)', function () {
  this.timeout(120_000);
  let cluster: RedisClusterHandle;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer;
  const roomArrivals: ReceivedPush[] = [];

  before(async () => {
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 });
    // Collapsible pushes are recorded in arrival order, to check their order per recipient and room.
    proxy = await startStandInProxy({ countOnly: true, reply: (push) => (push.body['collapseKey'] !== null && roomArrivals.push(push), { status: 200 }) });
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
    roomArrivals.length = 0;
    // Every other message takes the bulk lane: shard 0 of both lanes lives on the broken master.
    const stream = startStream({ url: producer.url, token: TEST_TOKEN, recipients: 24, pauseMs: 10, tag, bulkEvery: 2 });
    // Beside it, a busy room stream with collapseKeys: its state partly on the broken master too.
    const rooms = startRoomStream({ url: producer.url, token: TEST_TOKEN, rooms: roomsOnBusyShard(4, 4), pauseMs: 5, tag: `${tag}c` });
    await waitFor(() => proxy.deliveries.size > 300, { timeoutMs: 20_000, description: 'pushes flowing before the break' });
    const brokenAt = Date.now();
    await breakIt();
    await cluster.waitForHealthy(30_000);
    const healthyAfterMs = Date.now() - brokenAt;
    const acceptedAtHealthy = stream.progress().accepted.size;
    const roomsAtHealthy = rooms.accepted();
    // 400 pushes (300 before the room stream shared the intake): enough traffic after the failover for the checks below.
    await waitFor(() => stream.progress().accepted.size > acceptedAtHealthy + 400 && rooms.accepted() > roomsAtHealthy + 8, {
      timeoutMs: 20_000,
      description: 'intake to resume after the failover',
    });
    const result = await stream.stop();
    await rooms.stop();
    const stale = (): string[] => {
      const last = lastByPair(roomArrivals);
      return [...rooms.newest].filter(([pair, id]) => last.get(pair)?.body['messageId'] !== id).map(([pair]) => pair);
    };
    await waitFor(() => stale().length === 0, { timeoutMs: 30_000, description: () => `every room member's last push to be its newest message (${stale().length} not)` });
    // Never older after newer, per recipient and room, through the failover.
    expect(backwardsSends(roomArrivals)).to.deep.equal([]);
    process.stdout.write(`      ${tag} rooms: ${rooms.accepted()} messages to 4 rooms of 8, ${roomArrivals.length} upstream requests\n`);
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
    let attempts = 0;
    const { report } = await streamThrough('graceful', async () => {
      // Redis aborts a manual failover that the replica cannot complete within 5 s (it must first catch
      // up with the master's offset while writes stream in), and does not try again: ask again after that.
      let askAgainAt = 0;
      await waitFor(
        async () => {
          if ((await cluster.ownerOfSlot(BUSY_SLOT)) === replicaPort) return true;
          if (Date.now() >= askAgainAt) {
            attempts += 1;
            askAgainAt = Date.now() + MANUAL_FAILOVER_TIMEOUT_MS + 1000;
            await redisCommand({ port: replicaPort }, ['CLUSTER', 'FAILOVER']).catch(() => undefined);
          }
          return false;
        },
        { timeoutMs: 30_000, description: () => `the replica to take over the slot (${attempts} CLUSTER FAILOVER asked)` },
      );
    });
    process.stdout.write(`      graceful failover asked ${attempts} time(s)\n`);
    expect(report.lost).to.equal(0);
    expect(report.accepted).to.be.greaterThan(600);
  });
});
