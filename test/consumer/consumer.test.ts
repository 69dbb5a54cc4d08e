import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import type { Consumer } from '../../consumer/consumer';
import { type ProxyReply, type ReceivedPush, type StandInProxy, startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { postJson } from '../support/http';
import { countJobs, deadLetters } from '../support/redis';
import { runConsumer, runProducer, type RunningProducer, stopTestService } from '../support/service';

describe('consumer (real Redis, real HTTP proxy)', () => {
  let env: Record<string, string>;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer | undefined;
  let reply: (push: ReceivedPush, attempt: number) => ProxyReply;
  const attempts: ReceivedPush[] = [];

  const queued = () => countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4);
  const post = (recipientIds: string[], extra: Record<string, unknown> = {}) =>
    postJson(
      `${producer.url}/v1/messages`,
      { messageId: 'm1', roomId: 'r1', senderId: 's', recipientIds, notification: { title: 'T', body: 'B' }, ...extra },
      TEST_TOKEN,
    );

  beforeEach(async () => {
    attempts.length = 0;
    reply = () => ({ status: 200 });
    proxy = await startStandInProxy({
      reply: (push, attempt) => {
        attempts.push(push);
        return reply(push, attempt);
      },
    });
    env = baseEnv({
      PUSH_PROXY_URL: proxy.url,
      PUSH_RETRY_BASE_MS: '10',
      PUSH_RETRY_MAX_DELAY_MS: '200',
      JOB_BACKOFF_MS: '50',
    });
    producer = await runProducer(env);
  });

  afterEach(async () => {
    await stopTestService({ consumer, producer, proxy, env });
    consumer = undefined;
  });

  const drained = async (): Promise<boolean> => {
    const c = await queued();
    return c.waiting + c.active + c.delayed === 0;
  };

  it('delivers each push once, with the documented body and Idempotency-Key, and leaves nothing behind', async () => {
    expect((await post(['a', 'b', 'c'], { data: { x: 1 }, collapseKey: 'ck', ttlSeconds: 600 })).status).to.equal(202);
    consumer = await runConsumer(env);
    await waitFor(() => proxy.delivered.length === 3 && drained(), { timeoutMs: 10_000, description: '3 deliveries' });
    const byKey = new Map(proxy.delivered.map((p) => [p.idempotencyKey, p.body]));
    // Idempotency-Key: <messageId>:<epoch>:<recipientId>, one epoch per acceptance.
    const epoch = /^m1:([0-9a-z]+):a$/.exec([...byKey.keys()].sort()[0] ?? '')?.[1];
    expect([...byKey.keys()].sort()).to.deep.equal(['a', 'b', 'c'].map((r) => `m1:${epoch}:${r}`));
    const body = byKey.get(`m1:${epoch}:b`)!;
    expect(body).to.deep.include({
      messageId: 'm1',
      roomId: 'r1',
      senderId: 's',
      recipientId: 'b',
      notification: { title: 'T', body: 'B' },
      data: { x: 1 },
      collapseKey: 'ck',
      priority: 'normal',
    });
    expect(Date.parse(body['expiresAt'] as string)).to.be.greaterThan(Date.now());
    expect(await queued()).to.deep.equal({ waiting: 0, active: 0, jobs: 0, failed: 0, delayed: 0 });
  });

  it('retries a 503 and succeeds on the next attempt', async () => {
    reply = (_, attempt) => (attempt === 1 ? { status: 503 } : { status: 200 });
    await post(['a']);
    consumer = await runConsumer(env);
    await waitFor(() => proxy.delivered.length === 1 && drained(), { timeoutMs: 10_000, description: 'delivery after 503' });
    const [first, second] = attempts.map((a) => a.idempotencyKey);
    expect(attempts).to.have.length(2);
    expect(first).to.match(/^m1:[0-9a-z]+:a$/);
    expect(second, 'a retry carries the same key').to.equal(first);
    expect((await queued()).jobs).to.equal(0);
  });

  it('never retries a permanent 4xx: one request, and the push is dead-lettered as rejected', async () => {
    reply = () => ({ status: 400 });
    await post(['a']);
    consumer = await runConsumer(env);
    const letters = await waitFor(async () => (await deadLetters(env)).find((l) => /^m1:[0-9a-z]+:a$/.test(l.jobId)), {
      timeoutMs: 10_000,
      description: 'the dead letter',
    });
    expect(letters).to.include({ reason: 'rejected', status: 400, attempts: 1 });
    expect(attempts).to.have.length(1);
    expect(await queued()).to.deep.equal({ waiting: 0, active: 0, jobs: 0, failed: 0, delayed: 0 });
  });

  it('dead-letters a push whose retries run out, with the attempt count and last status', async () => {
    env['PUSH_RETRIES'] = '0';
    env['JOB_RETRIES'] = '2';
    await producer.close();
    producer = await runProducer(env);
    reply = () => ({ status: 503 });
    await post(['a']);
    consumer = await runConsumer(env);
    const letter = await waitFor(async () => (await deadLetters(env))[0], { timeoutMs: 10_000, description: 'the dead letter' });
    expect(letter).to.include({ reason: 'retries_exhausted', status: 503, attempts: 3 });
    expect(letter.push).to.include({ messageId: 'm1', recipientId: 'a' });
    expect(attempts).to.have.length(3);
  });

  it('hands a push back to the queue when in-attempt retries run out, and delivers it later', async () => {
    env['PUSH_RETRIES'] = '0';
    reply = (_, attempt) => (attempt <= 2 ? { status: 502 } : { status: 200 });
    await post(['a']);
    consumer = await runConsumer(env);
    await waitFor(() => proxy.delivered.length === 1 && drained(), { timeoutMs: 10_000, description: 'delivery after 2 failures' });
    expect(attempts).to.have.length(3);
  });

  it('waits at least as long as Retry-After before retrying', async () => {
    reply = (_, attempt) => (attempt === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 });
    await post(['a']);
    consumer = await runConsumer(env);
    await waitFor(() => proxy.delivered.length === 1, { timeoutMs: 10_000, description: 'delivery after 429' });
    expect(attempts).to.have.length(2);
    expect(attempts[1]!.receivedAt - attempts[0]!.receivedAt).to.be.at.least(1000);
  });

  it('does not send a push whose ttl has passed', async () => {
    await post(['a', 'b'], { ttlSeconds: 1 });
    const expiresAt = Date.now() + 1000;
    await waitFor(() => Date.now() > expiresAt + 50, { timeoutMs: 5000, description: 'the ttl to pass' });
    consumer = await runConsumer(env);
    await waitFor(async () => (await queued()).jobs === 0, { timeoutMs: 10_000, description: 'expired jobs to be consumed' });
    expect(attempts).to.have.length(0);
  });
});
