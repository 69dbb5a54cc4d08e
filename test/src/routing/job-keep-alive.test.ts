/**
 * Issue 11, case 2: a re-route while pushes are in flight. The router drops
 * the shard's queue when its blocking connection is killed; the jobs still
 * waiting on the proxy must keep their stall heartbeat, or the new queue's
 * stall check runs them a second time and both runs send.
 */
import { expect } from 'chai';
import type { Consumer } from '../../../consumer/consumer';
import { startRedisServer, type RedisServerHandle } from '../../../scripts/support/redis-server';
import { type StandInProxy, startStandInProxy } from '../../../scripts/support/stand-in-proxy';
import { waitFor } from '../../../src/core/wait-for';
import { commandClient } from '../../../src/bee/queue-connections';
import { baseEnv, TEST_TOKEN } from '../../support/env';
import { postJson, request } from '../../support/http';
import { countJobs } from '../../support/redis';
import { runConsumer, runProducer, type RunningProducer } from '../../support/service';

const RECIPIENTS = ['a', 'b', 'c'];

describe('JobKeepAlive: a re-route while pushes are in flight (real redis-server, CLIENT KILL)', function () {
  this.timeout(60_000);
  let redis: RedisServerHandle;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer | undefined;
  let env: Record<string, string>;

  beforeEach(async () => {
    redis = await startRedisServer();
    // As in the issue: 429 with Retry-After: 4 twice, then 200 after 3 s; about 11 s per push.
    proxy = await startStandInProxy({
      reply: (_, attempt) => (attempt <= 2 ? { status: 429, headers: { 'retry-after': '4' } } : { status: 200, delayMs: 3000 }),
    });
    env = baseEnv({ REDIS_URL: redis.url, PUSH_PROXY_URL: proxy.url, QUEUE_SHARDS: '1', STALL_INTERVAL_MS: '1000' });
    producer = await runProducer(env);
  });

  afterEach(async () => {
    await consumer?.close(1000);
    await producer.close();
    await proxy.close();
    await redis.stop();
  });

  /** Posts a message, kills one connection of the consumer's while every push is in flight, and checks the sends. */
  async function reRouteMidFlight(pickConnection: (clientList: string, ports: { shared: number; blocking: number }) => string | undefined): Promise<void> {
    consumer = await runConsumer(env);
    const c = consumer;
    const res = await postJson(
      `${producer.url}/v1/messages`,
      { messageId: 'm1', roomId: 'r', senderId: 's', recipientIds: RECIPIENTS, notification: { title: 'T', body: 'B' } },
      TEST_TOKEN,
    );
    expect(res.status).to.equal(202);
    await waitFor(() => proxy.requests >= RECIPIENTS.length, { timeoutMs: 10_000, description: 'every push in flight' });

    // Kill the connection once: the router drops the queue and builds a new one.
    // The interactive lane's connections: that is where the message's pushes run.
    const queue = await c.shards.get(0).acquire(Date.now() + 1000);
    const shared = commandClient(queue) as unknown as { stream: { localPort: number } };
    const blocking = (queue as unknown as { bclient: { stream: { localPort: number } } }).bclient;
    const ports = { shared: shared.stream.localPort, blocking: blocking.stream.localPort };
    const victim = pickConnection(String(await redis.command('CLIENT', 'LIST')), ports);
    expect(victim, 'the connection to kill').to.be.a('string');
    await redis.command('CLIENT', 'KILL', 'ID', victim!);

    // Keys are <messageId>:<epoch>:<recipientId>.
    const sendsOf = (r: string): number => [...proxy.deliveries].filter(([key]) => key.startsWith('m1:') && key.endsWith(`:${r}`)).reduce((n, [, c]) => n + c, 0);
    await waitFor(() => RECIPIENTS.every((r) => sendsOf(r) > 0), { timeoutMs: 30_000, description: 'every push delivered' });
    await waitFor(async () => (await countJobs(redis.url, env['QUEUE_PREFIX']!, 1)).active === 0, {
      timeoutMs: 10_000,
      description: 'no job left active',
    });
    // Three more stall intervals: a job that lost its heartbeat would have been sent again by now.
    const settled = Date.now() + 3000;
    await waitFor(() => Date.now() >= settled, { timeoutMs: 4000, description: 'three stall intervals to pass' });
    const sends = RECIPIENTS.map(sendsOf);
    console.log(`      2xx per push: ${sends.join(', ')}; requests: ${proxy.requests}`);
    expect(sends).to.deep.equal([1, 1, 1]);
    // Finished through the new queue: no second run, not even one that finds its marker and skips.
    const metrics = (await request(`http://127.0.0.1:${c.probes.port}/metrics`)).text;
    expect(metrics).not.to.match(/push_fanout_pushes_total\{outcome="skipped",reason=""\} [1-9]/);
    expect(metrics).to.match(/push_fanout_pushes_total\{outcome="delivered",reason=""\} 3\b/);
  }

  it('sends every push once when the shard\'s blocking connection is killed mid-flight', async () => {
    await reRouteMidFlight((list, { blocking }) => new RegExp(`id=(\\d+) addr=127\\.0\\.0\\.1:${blocking} `).exec(list)?.[1]);
  });

  it('sends every push once when the shared command connection is killed mid-flight (markers go through the new route)', async () => {
    await reRouteMidFlight((list, { shared }) => new RegExp(`id=(\\d+) addr=127\\.0\\.0\\.1:${shared} `).exec(list)?.[1]);
  });
});

describe('JobKeepAlive: a job that fails after its queue was replaced (real redis-server, CLIENT KILL)', function () {
  this.timeout(60_000);

  it('is finished as Bee-Queue would (dead-lettered once), not run again by the stall check', async () => {
    const redis = await startRedisServer();
    // The proxy rejects the push for good, but only after 2 s: long enough to kill the queue's connection meanwhile.
    const proxy = await startStandInProxy({ reply: () => ({ status: 410, delayMs: 2000 }) });
    const env = baseEnv({ REDIS_URL: redis.url, PUSH_PROXY_URL: proxy.url, QUEUE_SHARDS: '1', STALL_INTERVAL_MS: '1000' });
    const producer = await runProducer(env);
    const consumer = await runConsumer(env);
    try {
      const body = { messageId: 'm1', roomId: 'r', senderId: 's', recipientIds: ['a'], notification: { body: 'B' } };
      expect((await postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN)).status).to.equal(202);
      await waitFor(() => proxy.requests === 1, { timeoutMs: 10_000, description: 'the push in flight' });
      const queue = await consumer.shards.get(0).acquire(Date.now() + 1000);
      const blocking = (queue as unknown as { bclient: { stream: { localPort: number } } }).bclient.stream.localPort;
      const victim = new RegExp(`id=(\\d+) addr=127\\.0\\.0\\.1:${blocking} `).exec(String(await redis.command('CLIENT', 'LIST')))?.[1];
      await redis.command('CLIENT', 'KILL', 'ID', victim!);
      const letters = async (): Promise<number> => Number(await redis.command('ZCARD', `${env['QUEUE_PREFIX']}:${consumer.shards.get(0).shard.queueName}:dlq`));
      await waitFor(async () => (await letters()) === 1 && (await countJobs(redis.url, env['QUEUE_PREFIX']!, 1)).active === 0, {
        timeoutMs: 15_000,
        description: 'the push dead-lettered and its job finished',
      });
      // Three stall intervals: a job left in `active` would have been run again (a second 410) by now.
      const settled = Date.now() + 3000;
      await waitFor(() => Date.now() >= settled, { timeoutMs: 4000, description: 'three stall intervals to pass' });
      expect(proxy.requests, 'requests to the proxy').to.equal(1);
      expect(await letters(), 'dead letters').to.equal(1);
    } finally {
      await consumer.close(1000);
      await producer.close();
      await proxy.close();
      await redis.stop();
    }
  });
});
