import { expect } from 'chai';
import type { RedisEndpoint } from '../../src/config/redis-config';
import { waitFor } from '../../src/core/wait-for';
import { buildShards } from '../../src/queue/shards';
import type { EndpointResolver } from '../../src/routing/endpoint-resolver';
import { shardIndexFor } from '../../src/routing/shard-index';
import { sendSignal } from '../../scripts/support/process-control';
import { type RedisServerHandle, startRedisServer } from '../../scripts/support/redis-server';
import { baseEnv, TEST_TOKEN } from '../support/env';
import { postJson } from '../support/http';
import { runProducer, type RunningProducer } from '../support/service';

const WAIT_TIMEOUT_MS = 500;
/** What "a small margin" over the WAIT timeout is allowed to be on a loaded 2-core machine. */
const MARGIN_MS = 1000;
const CONCURRENT = 20;

const message = (id: string) => ({
  messageId: id,
  roomId: 'r',
  senderId: 's',
  // Enough recipients to touch every shard, so each intake writes to (and WAITs on) the node.
  recipientIds: Array.from({ length: 40 }, (_, i) => `u${i}`),
  notification: { body: 'x' },
});

/** Connected replicas the master lists in ROLE. */
async function replicasOf(master: RedisServerHandle): Promise<number> {
  const role = (await master.command('ROLE')) as unknown[];
  return Array.isArray(role[2]) ? role[2].length : 0;
}

describe('intake with a frozen replica (real master + replica, SIGSTOP)', function () {
  this.timeout(60_000);
  let master: RedisServerHandle;
  let replica: RedisServerHandle;
  let producer: RunningProducer;

  before(async () => {
    master = await startRedisServer();
    replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    await waitFor(async () => (await replicasOf(master)) === 1, { timeoutMs: 10_000, description: 'the replica connected' });
    producer = await runProducer(
      baseEnv({
        REDIS_URL: master.url,
        REDIS_WAIT_REPLICAS: '1',
        REDIS_WAIT_TIMEOUT_MS: String(WAIT_TIMEOUT_MS),
        ENQUEUE_TIMEOUT_MS: '5000',
      }),
    );
  });

  after(async () => {
    if (replica.running) sendSignal(replica.pid, 'SIGCONT');
    await producer?.close();
    await replica?.stop();
    await master?.stop();
  });

  it(`answers ${CONCURRENT} concurrent intakes with 202 within the WAIT timeout plus a margin, and counts the replica confirmations`, async () => {
    const warm = await postJson(`${producer.url}/v1/messages`, message('warm'), TEST_TOKEN);
    expect(warm.status).to.equal(202);
    const acksBefore = await unconfirmedWaits();

    sendSignal(replica.pid, 'SIGSTOP');
    // Frozen, the replica stays connected: the master still lists it, so WAIT asks for it and blocks.
    expect(await replicasOf(master)).to.equal(1);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, i) => {
        const res = await postJson(`${producer.url}/v1/messages`, message(`frozen-${i}`), TEST_TOKEN);
        return { status: res.status, ms: Date.now() - started };
      }),
    );
    const slowest = Math.max(...answers.map((a) => a.ms));
    const statuses = answers.map((a) => a.status);
    process.stdout.write(`      ${CONCURRENT} intakes: statuses ${JSON.stringify(statuses)}, slowest ${slowest} ms\n`);
    expect(statuses).to.deep.equal(Array(CONCURRENT).fill(202));
    expect(slowest).to.be.below(WAIT_TIMEOUT_MS + MARGIN_MS);

    // Every lease came back, and the burst opened no more than one connection per concurrent intake.
    const { open, idle } = producer.shards.intake.stats({ host: '127.0.0.1', port: master.port });
    expect(idle).to.equal(open);
    expect(open).to.be.within(1, CONCURRENT);

    // One WAIT per intake (all shards live on the one master), none confirmed by the frozen replica.
    expect((await unconfirmedWaits()) - acksBefore).to.equal(CONCURRENT);
    expect(await producer.metrics.registry.metrics()).to.match(/push_fanout_replica_acks_total\{acked="0"\} \d+\n/);
  });

  /** The replica-acks counter's value for "no replica confirmed". */
  async function unconfirmedWaits(): Promise<number> {
    const { values } = await producer.metrics.replicaAcks.get();
    return values.find((v) => v.labels['acked'] === '0')?.value ?? 0;
  }
});

describe("intake WAITs on the message record's node too (real masters + replicas, SIGSTOP)", function () {
  this.timeout(60_000);
  const SHARDS = 4;
  /** Interactive shards 0 and 1 (message records among them) live on node A, everything else on node B. */
  const ON_A = new Set(buildShards(SHARDS, 'interactive').filter((s) => s.index < 2).map((s) => s.slot));
  let servers: RedisServerHandle[] = [];
  let replicaA: RedisServerHandle;
  let producer: RunningProducer;

  /** The first `count` ids `<prefix><n>` whose shard satisfies `where`. */
  const idsOn = (where: (shard: number) => boolean, count: number, prefix: string): string[] => {
    const ids: string[] = [];
    for (let i = 0; ids.length < count; i++) if (where(shardIndexFor(`${prefix}${i}`, SHARDS))) ids.push(`${prefix}${i}`);
    return ids;
  };

  before(async () => {
    const [masterA, masterB] = await Promise.all([startRedisServer(), startRedisServer()]);
    servers = [masterA!, masterB!];
    const replicas = await Promise.all(servers.map((m) => startRedisServer({ args: ['--replicaof', '127.0.0.1', String(m.port)] })));
    servers.push(...replicas);
    replicaA = replicas[0]!;
    for (const master of [masterA!, masterB!]) await waitFor(async () => (await replicasOf(master)) === 1, { timeoutMs: 10_000, description: 'the replica connected' });
    const endpoint = (node: RedisServerHandle): RedisEndpoint => ({ host: node.host, port: node.port });
    const resolver: EndpointResolver = { ownerOf: async (slot) => endpoint(ON_A.has(slot) ? masterA! : masterB!), invalidate: () => undefined };
    const env = baseEnv({ REDIS_URL: masterA!.url, QUEUE_SHARDS: String(SHARDS), REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT_MS: String(WAIT_TIMEOUT_MS) });
    producer = await runProducer(env, resolver);
  });

  after(async () => {
    if (replicaA?.running) sendSignal(replicaA.pid, 'SIGCONT');
    await producer?.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("covers the claim on the record's node even when no push of the message lives there", async () => {
    const messageId = idsOn((s) => s < 2, 1, 'msg')[0]!;
    const recipientIds = idsOn((s) => s >= 2, 10, 'u');
    const acks = async (acked: string): Promise<number> => (await producer.metrics.replicaAcks.get()).values.find((v) => v.labels['acked'] === acked)?.value ?? 0;
    const [zeroBefore, oneBefore] = [await acks('0'), await acks('1')];
    sendSignal(replicaA.pid, 'SIGSTOP');
    const res = await postJson(`${producer.url}/v1/messages`, { messageId, roomId: 'r', senderId: 's', recipientIds, notification: { body: 'x' } }, TEST_TOKEN);
    expect(res.status).to.equal(202);
    // B (the pushes) confirmed by its replica; A (the record alone) WAITed on too, unconfirmed by its frozen one.
    // Before: nothing of the intake was written on A's intake connection, so A was never WAITed on.
    expect((await acks('1')) - oneBefore).to.equal(1);
    expect((await acks('0')) - zeroBefore).to.equal(1);
  });
});
