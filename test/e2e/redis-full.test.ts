/**
 * Issue 11, case 1: a Redis full to `maxmemory` with `noeviction` (as
 * docs/operations.md advises) refuses writes while it stays reachable. Intake must answer
 * 503, readiness must say the shards cannot work, and consumption must resume
 * within seconds of memory being freed, without sending in-flight pushes twice.
 */
import { expect } from 'chai';
import type { Consumer } from '../../consumer/consumer';
import { startRedisServer, type RedisServerHandle } from '../../scripts/support/redis-server';
import { type ProxyReply, type StandInProxy, startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { waitFor } from '../../src/core/wait-for';
import { baseEnv, TEST_TOKEN } from '../support/env';
import { postJson, request } from '../support/http';
import { runConsumer, runProducer, type RunningProducer } from '../support/service';

/** Seconds a consumer may take to resume after memory is freed. */
const RESUME_LIMIT_MS = 5000;

describe('a full Redis (maxmemory 64mb, noeviction; real redis-server)', function () {
  this.timeout(90_000);
  let redis: RedisServerHandle;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer | undefined;
  let reply: (key: string, attempt: number) => ProxyReply;
  let env: Record<string, string>;

  const fill = (): Promise<unknown> => redis.command('SETRANGE', 'filler', '100000000', 'x');
  const free = (): Promise<unknown> => redis.command('DEL', 'filler');
  const post = (messageId: string, recipientIds: string[]) =>
    postJson(`${producer.url}/v1/messages`, { messageId, roomId: 'r', senderId: 's', recipientIds, notification: { title: 'T', body: 'B' } }, TEST_TOKEN);
  const consumerReady = async (c: Consumer): Promise<number> => (await request(`http://127.0.0.1:${c.probes.port}/readyz`)).status;

  beforeEach(async () => {
    redis = await startRedisServer({ args: ['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction'] });
    reply = () => ({ status: 200 });
    proxy = await startStandInProxy({ reply: (push, attempt) => reply(push.idempotencyKey, attempt) });
    env = baseEnv({ REDIS_URL: redis.url, PUSH_PROXY_URL: proxy.url, STALL_INTERVAL_MS: '2000', ENQUEUE_TIMEOUT_MS: '1000' });
    producer = await runProducer(env);
    consumer = undefined;
  });

  afterEach(async () => {
    await consumer?.close(1000);
    await producer.close();
    await proxy.close();
    await redis.stop();
  });

  it('answers 503 and counts the refusal; a consumer started while full is not ready, and delivers once memory is freed', async () => {
    await fill();
    const refused = await post('m0', ['a']);
    expect(refused.status, 'intake while full').to.equal(503);
    const producerMetrics = (await request(`${producer.url}/metrics`)).text;
    expect(producerMetrics).to.match(/push_fanout_redis_write_refusals_total\{cause="oom"\} [1-9]/);
    expect((await request(`${producer.url}/readyz`)).status, 'producer /readyz while full').to.equal(503);

    consumer = await runConsumer(env);
    const c = consumer;
    await waitFor(() => c.shards.queues.every((q) => q.node !== undefined), { timeoutMs: 10_000, description: 'every shard connected' });
    expect(await consumerReady(c), 'consumer /readyz while full').to.equal(503);

    await free();
    const freedAt = Date.now();
    expect((await post('m1', ['a', 'b', 'c', 'd'])).status).to.equal(202);
    await waitFor(() => proxy.delivered.length === 4, { timeoutMs: 15_000, description: '4 deliveries after memory was freed' });
    const lagMs = Date.now() - freedAt;
    console.log(`      resumed ${lagMs} ms after memory was freed (consumer started while full)`);
    expect(lagMs).to.be.below(RESUME_LIMIT_MS);
    await waitFor(async () => (await consumerReady(c)) === 200, { timeoutMs: 5000, description: 'consumer ready again' });
  });

  it('a running consumer resumes within seconds of a 20 s outage, and sends an in-flight push once', async () => {
    // One shard running one job at a time: busy when Redis fills up, so its next pop is refused, like a
    // consumer working through a backlog (its blocking connection has no pop waiting from before).
    await producer.close();
    Object.assign(env, { QUEUE_SHARDS: '1', CONSUMER_CONCURRENCY: '1' });
    producer = await runProducer(env);
    consumer = await runConsumer(env);
    // The first push is answered late: Redis fills up while it is in flight, so its marker write is refused.
    // Keys are <messageId>:<epoch>:<recipientId>.
    const isPush = (key: string, messageId: string, recipient: string): boolean => key.startsWith(`${messageId}:`) && key.endsWith(`:${recipient}`);
    const sends = (messageId: string, recipient: string): number =>
      [...proxy.deliveries].filter(([key]) => isPush(key, messageId, recipient)).reduce((n, [, c]) => n + c, 0);
    reply = (key, attempt) => ({ status: 200, delayMs: isPush(key, 'm1', 'a') && attempt === 1 ? 1500 : 0 });
    expect((await post('m1', ['a'])).status).to.equal(202);
    await waitFor(() => proxy.requests === 1, { timeoutMs: 10_000, description: 'the first push in flight' });
    await fill();
    const outageEnds = Date.now() + 20_000;
    await waitFor(() => Date.now() >= outageEnds, { timeoutMs: 25_000, description: 'the outage to last 20 s' });
    await free();
    const freedAt = Date.now();
    expect((await post('m2', ['b', 'c'])).status).to.equal(202);
    await waitFor(() => sends('m2', 'b') > 0 && sends('m2', 'c') > 0, { timeoutMs: 30_000, description: 'm2 delivered' });
    const lagMs = Date.now() - freedAt;
    // Three stall intervals: a job that lost its run would have been sent again by now.
    const settled = Date.now() + 6000;
    await waitFor(() => Date.now() >= settled, { timeoutMs: 7000, description: 'three stall intervals to pass' });
    console.log(`      resumed ${lagMs} ms after memory was freed (running consumer); m1:a sent ${sends('m1', 'a')} time(s)`);
    expect(sends('m1', 'a'), 'sends of the in-flight push').to.equal(1);
    const metrics = (await request(`http://127.0.0.1:${consumer.probes.port}/metrics`)).text;
    expect(metrics).to.match(/push_fanout_redis_write_refusals_total\{cause="oom"\} [1-9]/);
    expect(lagMs).to.be.below(RESUME_LIMIT_MS);
  });
});
