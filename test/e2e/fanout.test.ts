import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { findFreePort } from '../../scripts/support/free-port';
import { startStandInProxy, type StandInProxy } from '../../scripts/support/stand-in-proxy';
import { getStatus } from '../../scripts/support/http-probe';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { postJson, request } from '../support/http';
import { type ServiceProcess, spawnService } from '../support/processes';
import { countJobs, deletePrefix } from '../support/redis';

describe('end to end: one message in, one push per recipient out (real processes)', () => {
  let proxy: StandInProxy;
  let producer: ServiceProcess;
  let consumer: ServiceProcess;
  let env: Record<string, string>;
  let base: string;
  let consumerProbes: string;

  before(async () => {
    proxy = await startStandInProxy();
    const [port, metricsPort] = [await findFreePort(), await findFreePort()];
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', METRICS_PORT: String(metricsPort) });
    base = `http://127.0.0.1:${port}`;
    consumerProbes = `http://127.0.0.1:${metricsPort}`;
    producer = spawnService('producer/main.js', env);
    consumer = spawnService('consumer/main.js', env);
    await waitFor(async () => (await getStatus(`${base}/readyz`)) === 200, {
      timeoutMs: 15_000,
      description: 'the producer to become ready',
    });
  });

  after(async () => {
    await Promise.all([producer?.stop('SIGKILL'), consumer?.stop('SIGKILL')]);
    await proxy?.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  it('turns a 50-member room into exactly 49 pushes with correct bodies and keys', async () => {
    const members = Array.from({ length: 50 }, (_, i) => `user-${i}`);
    const res = await postJson(
      `${base}/v1/messages`,
      {
        messageId: 'chat-42',
        roomId: 'room-7',
        senderId: 'user-0',
        recipientIds: members,
        notification: { title: 'Room 7', body: 'Lunch?' },
        priority: 'high',
      },
      TEST_TOKEN,
    );
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ messageId: 'chat-42', accepted: 49, lane: 'interactive' });

    await waitFor(
      async () => {
        const c = await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4);
        return proxy.deliveries.size === 49 && c.jobs + c.waiting + c.active + c.delayed === 0;
      },
      { timeoutMs: 15_000, description: '49 pushes delivered and the queues empty' },
    );
    expect(proxy.delivered).to.have.length(49);
    const epoch = /^chat-42:([0-9a-z]+):/.exec(proxy.delivered[0]?.idempotencyKey ?? '')?.[1];
    const expectedKeys = members.slice(1).map((m) => `chat-42:${epoch}:${m}`);
    expect(proxy.delivered.map((p) => p.idempotencyKey).sort()).to.deep.equal([...expectedKeys].sort());
    for (const push of proxy.delivered) {
      expect(push.idempotencyKey).to.equal(`chat-42:${epoch}:${push.body['recipientId'] as string}`);
      expect(push.body).to.deep.include({
        messageId: 'chat-42',
        roomId: 'room-7',
        senderId: 'user-0',
        notification: { title: 'Room 7', body: 'Lunch?' },
        priority: 'high',
        expiresAt: null,
      });
    }
  });

  it('counts it in both processes\' metrics, and serves the consumer probes', async () => {
    const producerMetrics = (await request(`${base}/metrics`)).text;
    expect(metricValue(producerMetrics, 'push_fanout_messages_accepted_total')).to.equal(1);
    expect(metricValue(producerMetrics, 'push_fanout_pushes_enqueued_total')).to.equal(49);
    expect(producerMetrics).to.match(/push_fanout_queue_jobs\{lane="interactive",shard="0",state="waiting"\} 0/);
    expect(producerMetrics).to.match(/push_fanout_queue_jobs\{lane="bulk",shard="0",state="waiting"\} 0/);
    expect(metricValue(producerMetrics, 'push_fanout_lane_waiting{lane="interactive"}')).to.equal(0);
    expect(metricValue(producerMetrics, 'push_fanout_lane_oldest_waiting_seconds{lane="bulk"}')).to.equal(0);
    const consumerMetrics = (await request(`${consumerProbes}/metrics`)).text;
    expect(metricValue(consumerMetrics, 'push_fanout_pushes_total{outcome="delivered",reason=""}')).to.equal(49);
    expect(metricValue(consumerMetrics, 'push_fanout_upstream_request_duration_seconds_count{status_class="2xx"}')).to.equal(49);
    expect(metricValue(consumerMetrics, 'push_fanout_accept_to_deliver_seconds_count')).to.equal(49);
    expect(metricValue(consumerMetrics, 'push_fanout_lane_in_flight{lane="interactive",state="running"}')).to.equal(0);
    expect((await request(`${consumerProbes}/healthz`)).status).to.equal(200);
    expect((await request(`${consumerProbes}/readyz`)).status).to.equal(200);
    const excerpt = [...producerMetrics.split('\n'), ...consumerMetrics.split('\n')].filter((l) =>
      /^push_fanout_(messages_accepted|pushes_enqueued|pushes_total|accept_to_deliver_seconds_(count|sum)|upstream_request_duration_seconds_count|queue_waiting|lane_waiting|lane_oldest|redis_reroutes)/.test(l),
    );
    process.stdout.write(`      metrics excerpt:\n${excerpt.map((l) => `        ${l}`).join('\n')}\n`);
  });

  it('shuts both processes down cleanly on SIGTERM', async () => {
    expect(await producer.stop('SIGTERM')).to.equal(0);
    expect(await consumer.stop('SIGTERM')).to.equal(0);
    expect(producer.output() + consumer.output()).not.to.match(/MaxListenersExceeded|UnhandledPromiseRejection/);
  });
});

/** The value of one sample line (`name{labels} value`) in Prometheus text output. */
function metricValue(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}
