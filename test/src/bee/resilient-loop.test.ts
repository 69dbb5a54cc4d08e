/**
 * Issue 11, case 9: a job id in `active` whose data is gone from the jobs
 * hash. Bee-Queue's stall check puts it back in `waiting`, its pop moves it
 * to `active` again and finds no data, and so on forever. It must be removed
 * and counted, and the consumer must go on delivering at full concurrency.
 */
import { expect } from 'chai';
import type { Consumer } from '../../../consumer/consumer';
import { type StandInProxy, startStandInProxy } from '../../../scripts/support/stand-in-proxy';
import { waitFor } from '../../../src/core/wait-for';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { buildShards } from '../../../src/queue/shards';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../../support/env';
import { postJson, request } from '../../support/http';
import { call, withRedis } from '../../support/redis';
import { runConsumer, runProducer, type RunningProducer, stopTestService } from '../../support/service';

describe('bee/resilient-loop: a job id without data (real Redis)', function () {
  this.timeout(30_000);
  let env: Record<string, string>;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer | undefined;

  beforeEach(async () => {
    proxy = await startStandInProxy({ reply: () => ({ status: 200, delayMs: 200 }) });
    // No bulk minimum: both slots are the interactive lane's, where this test's pushes run.
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, QUEUE_SHARDS: '1', CONSUMER_CONCURRENCY: '2', CONSUMER_BULK_MIN_PERCENT: '0', STALL_INTERVAL_MS: '1000' });
    producer = await runProducer(env);
  });

  afterEach(async () => {
    await stopTestService({ consumer, producer, proxy, env });
    consumer = undefined;
  });

  it('removes the id, counts it, and keeps delivering with every slot', async () => {
    const keys = new QueueKeys(env['QUEUE_PREFIX']!);
    const [shard] = buildShards(1);
    const listed = (list: 'active' | 'waiting') =>
      withRedis(SHARED_REDIS_URL, (c) => call<string[]>(c, 'LRANGE', keys.beeKey(shard!, list), 0, -1));
    // As a crash or a manual HDEL leaves it: the id is active, its data is gone.
    await withRedis(SHARED_REDIS_URL, (c) => call(c, 'LPUSH', keys.beeKey(shard!, 'active'), 'orphan-1'));
    consumer = await runConsumer(env);
    const c = consumer;

    const gone = async () => ![...(await listed('active')), ...(await listed('waiting'))].includes('orphan-1');
    await waitFor(gone, { timeoutMs: 8000, description: 'the data-less id to leave active and waiting' });
    const metrics = (await request(`http://127.0.0.1:${c.probes.port}/metrics`)).text;
    expect(metrics).to.match(/push_fanout_orphan_jobs_removed_total 1\b/);

    // Both slots still work: two 200 ms pushes run side by side.
    const started = Date.now();
    const res = await postJson(
      `${producer.url}/v1/messages`,
      { messageId: 'm1', roomId: 'r', senderId: 's', recipientIds: ['a', 'b', 'c', 'd'], notification: { title: 'T', body: 'B' } },
      TEST_TOKEN,
    );
    expect(res.status).to.equal(202);
    await waitFor(() => proxy.delivered.length === 4, { timeoutMs: 10_000, description: '4 deliveries' });
    // 4 pushes of 200 ms on 2 slots take about 400 ms; on 1 slot about 800 ms.
    expect(Date.now() - started).to.be.below(750);
    // A data-less id found again later (the stall check, another crash) is never retried forever either.
    expect(await gone()).to.equal(true);
  });
});
