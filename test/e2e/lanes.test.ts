import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import type { Consumer } from '../../consumer/consumer';
import { type RedisClusterHandle, startRedisCluster } from '../../scripts/support/redis-cluster';
import { type StandInProxy, startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { clusterEnv } from '../support/cluster-fixture';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { postJson, request } from '../support/http';
import { countJobs, deletePrefix } from '../support/redis';
import { runConsumer, runProducer, type RunningProducer } from '../support/service';

/** Large enough that the drain takes seconds at the proxy's pace below. */
const BROADCAST = 4000;
/** Every push takes this long at the proxy, so a broadcast drains over seconds, not milliseconds. */
const PROXY_DELAY_MS = 4;

/** What a DM posted during a broadcast's drain saw. */
interface DrainRace {
  /** Broadcast pushes the proxy had received when the DM's last push arrived. */
  broadcastBeforeDm: number;
  /** POST start to the DM's last push at the proxy. */
  dmLatencyMs: number;
  broadcastLane: unknown;
  dmLane: unknown;
}

/** Posts a broadcast, then a DM once the broadcast is accepted, and watches what reaches the proxy when. */
async function dmDuringDrain(producer: RunningProducer, proxy: StandInProxy, tag: string): Promise<DrainRace> {
  const post = (body: Record<string, unknown>) => postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN);
  const members = Array.from({ length: BROADCAST + 1 }, (_, i) => `${tag}-m${i}`);
  const broadcast = await post({ messageId: `${tag}-bc`, roomId: 'announcements', senderId: members[0], recipientIds: members, notification: { body: 'all hands' } });
  expect(broadcast.status).to.equal(202);
  await waitFor(() => proxy.delivered.length > 0, { timeoutMs: 10_000, description: 'the broadcast to start draining' });
  const dmStart = Date.now();
  const dm = await post({ messageId: `${tag}-dm`, roomId: 'dm', senderId: 'alice', recipientIds: ['alice', 'bob', 'carol'], notification: { body: 'lunch?' } });
  expect(dm.status).to.equal(202);
  const isDm = (key: string): boolean => key.startsWith(`${tag}-dm:`);
  await waitFor(() => proxy.delivered.filter((p) => isDm(p.idempotencyKey)).length === 2, { timeoutMs: 30_000, description: 'the DM pushes' });
  const lastDm = proxy.delivered.reduce((last, p, i) => (isDm(p.idempotencyKey) ? i : last), -1);
  const broadcastBeforeDm = proxy.delivered.slice(0, lastDm).filter((p) => !isDm(p.idempotencyKey)).length;
  await waitFor(() => proxy.deliveries.size === BROADCAST + 2, { timeoutMs: 60_000, description: 'the whole broadcast' });
  return {
    broadcastBeforeDm,
    dmLatencyMs: (proxy.delivered[lastDm]?.receivedAt ?? 0) - dmStart,
    broadcastLane: (broadcast.body as { lane: unknown }).lane,
    dmLane: (dm.body as { lane: unknown }).lane,
  };
}

/** Runs `dmDuringDrain` against a fresh producer, consumer and proxy on `env`. */
async function raceOn(env: Record<string, string>, tag: string): Promise<DrainRace> {
  const proxy = await startStandInProxy({ reply: () => ({ status: 200, delayMs: PROXY_DELAY_MS }) });
  const settings = { ...env, PUSH_PROXY_URL: proxy.url, CONSUMER_CONCURRENCY: '20', MAX_BODY_BYTES: String(1024 * 1024) };
  const producer = await runProducer(settings);
  let consumer: Consumer | undefined;
  try {
    consumer = await runConsumer(settings);
    const race = await dmDuringDrain(producer, proxy, tag);
    process.stdout.write(`      ${tag}: DM at the proxy ${race.dmLatencyMs} ms after its POST, after ${race.broadcastBeforeDm} of ${BROADCAST} broadcast pushes\n`);
    return race;
  } finally {
    await consumer?.close(1000);
    await producer.close();
    await proxy.close();
  }
}

describe('lanes: a conversation is never stuck behind a broadcast', function () {
  this.timeout(90_000);
  const prefixes: string[] = [];
  const env = (extra: Record<string, string> = {}): Record<string, string> => {
    const e = baseEnv(extra);
    prefixes.push(e['QUEUE_PREFIX']!);
    return e;
  };
  after(async () => {
    for (const prefix of prefixes) await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  it('delivers a DM posted during a large drain long before the broadcast finishes (standalone Redis)', async () => {
    const race = await raceOn(env(), 'lanes');
    expect(race.broadcastLane).to.equal('bulk');
    expect(race.dmLane).to.equal('interactive');
    // Without lanes the DM waits for its shards' share of the broadcast, i.e. nearly all of it (see the control below).
    expect(race.broadcastBeforeDm).to.be.below(BROADCAST / 2);
  });

  it('control: with everything in one lane, the same DM waits behind the broadcast', async () => {
    const race = await raceOn(env({ BULK_MIN_RECIPIENTS: '1000000' }), 'onelane');
    expect(race.broadcastLane).to.equal('interactive');
    expect(race.broadcastBeforeDm).to.be.above(BROADCAST * 0.7);
  });

  describe('on a real Redis Cluster (3 masters, 3 replicas)', () => {
    let cluster: RedisClusterHandle;
    before(async () => {
      cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 });
    });
    after(async () => {
      await cluster?.stop();
    });

    it('delivers a DM posted during a large drain long before the broadcast finishes', async () => {
      const race = await raceOn(clusterEnv(cluster, { QUEUE_SHARDS: '16' }), 'clusterlanes');
      expect([race.broadcastLane, race.dmLane]).to.deep.equal(['bulk', 'interactive']);
      expect(race.broadcastBeforeDm).to.be.below(BROADCAST / 2);
    });
  });

  it('reports the lane in the status of a message', async () => {
    const e = env();
    const producer = await runProducer(e);
    try {
      const body = { messageId: 'digest-1', roomId: 'r', senderId: 's', recipientIds: ['a', 'b'], notification: { body: 'weekly' }, lane: 'bulk' };
      const res = await postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN);
      expect(res.status).to.equal(202);
      expect(res.body).to.deep.equal({ messageId: 'digest-1', accepted: 2, lane: 'bulk' });
      const status = await request(`${producer.url}/v1/messages/digest-1`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      expect(status.body).to.include({ lane: 'bulk', accepted: 2, pending: 2 });
      const bad = await postJson(`${producer.url}/v1/messages`, { ...body, messageId: 'x', lane: 'interactive' }, TEST_TOKEN);
      expect(bad.status).to.equal(400);
      expect(bad.text).to.include('lane');
    } finally {
      await producer.close();
    }
  });

  it('keeps retries, sendAt pushes and dead-letter replays in the lane the message was accepted in', async () => {
    let goneFixed = false;
    const proxy = await startStandInProxy({
      reply: (push, attempt) => {
        if (push.idempotencyKey.endsWith(':flaky') && attempt === 1) return { status: 503 };
        if (push.idempotencyKey.endsWith(':gone') && !goneFixed) return { status: 410 };
        return { status: 200 };
      },
    });
    const e = env({ PUSH_PROXY_URL: proxy.url, PUSH_RETRIES: '0', JOB_BACKOFF_MS: '1500', JOB_BACKOFF_MAX_MS: '1500' });
    const producer = await runProducer(e);
    let consumer: Consumer | undefined = await runConsumer(e);
    const prefix = e['QUEUE_PREFIX']!;
    const auth = { authorization: `Bearer ${TEST_TOKEN}` };
    try {
      const body = { messageId: 'promo', roomId: 'r', senderId: 's', recipientIds: ['ok', 'flaky', 'gone'], notification: { body: 'sale' }, lane: 'bulk' };
      expect((await postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN)).status).to.equal(202);
      const later = new Date(Date.now() + 60_000).toISOString();
      expect((await postJson(`${producer.url}/v1/messages`, { ...body, messageId: 'promo-later', sendAt: later }, TEST_TOKEN)).status).to.equal(202);
      // The 503'd push waits out its backoff in the bulk lane's delayed set, next to the scheduled ones.
      await waitFor(async () => (await countJobs(SHARED_REDIS_URL, prefix, 4, 'bulk')).delayed === 4, { timeoutMs: 10_000, description: 'a retry waiting in bulk' });
      expect((await countJobs(SHARED_REDIS_URL, prefix, 4, 'interactive')).jobs).to.equal(0);
      // Keys are <messageId>:<epoch>:<recipientId>.
      const delivered = (recipient: string) => [...proxy.deliveries].filter(([key]) => key.startsWith('promo:') && key.endsWith(`:${recipient}`)).map(([, n]) => n);
      await waitFor(() => delivered('flaky')[0] === 1, { timeoutMs: 10_000, description: 'the retry delivered' });
      const letters = await request(`${producer.url}/v1/dead-letters?messageId=promo`, { headers: auth });
      const items = (letters.body as { items: { jobId: string; lane: string }[] }).items;
      expect(items.map((l) => [l.jobId.endsWith(':gone'), l.lane])).to.deep.equal([[true, 'bulk']]);
      await consumer.close(1000);
      consumer = undefined;
      goneFixed = true;
      const replay = await request(`${producer.url}/v1/dead-letters/replay`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ messageId: 'promo' }) });
      expect(replay.status).to.equal(200);
      expect((await countJobs(SHARED_REDIS_URL, prefix, 4, 'bulk')).waiting).to.equal(1);
      expect((await countJobs(SHARED_REDIS_URL, prefix, 4, 'interactive')).jobs).to.equal(0);
      consumer = await runConsumer(e);
      await waitFor(() => delivered('gone')[0] === 1, { timeoutMs: 10_000, description: 'the replayed push delivered' });
    } finally {
      await consumer?.close(1000);
      await producer.close();
      await proxy.close();
    }
  });

  it('answers a small message posted during a 100k-recipient intake before that intake finishes', async () => {
    const producer = await runProducer(env({ MAX_BODY_BYTES: String(4 * 1024 * 1024) }));
    try {
      const post = (body: Record<string, unknown>) => postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN);
      const members = Array.from({ length: 100_000 }, (_, i) => `u${i}`);
      const started = Date.now();
      let broadcastDoneAt = 0;
      const broadcast = post({ messageId: 'huge', roomId: 'all', senderId: 'x', recipientIds: members, notification: { body: 'hello all' } }).then((res) => {
        broadcastDoneAt = Date.now();
        return res;
      });
      // Once the broadcast's pushes are being written (its first jobs are in Redis), post a DM.
      await waitFor(async () => (await countJobs(SHARED_REDIS_URL, prefixes.at(-1)!, 4, 'bulk')).waiting > 0, { timeoutMs: 20_000, description: 'the intake under way', intervalMs: 5 });
      const dmStart = Date.now();
      const dm = await post({ messageId: 'dm-during', roomId: 'dm', senderId: 'a', recipientIds: ['b'], notification: { body: 'hi' } });
      const dmDoneAt = Date.now();
      expect(dm.status).to.equal(202);
      expect((await broadcast).status).to.equal(202);
      process.stdout.write(`      DM answered in ${dmDoneAt - dmStart} ms; the 100k intake took ${broadcastDoneAt - started} ms\n`);
      expect(dmDoneAt).to.be.below(broadcastDoneAt);
    } finally {
      await producer.close();
    }
  });
});
