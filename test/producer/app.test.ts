import { expect } from 'chai';
import { QueueKeys } from '../../src/queue/queue-keys';
import { allShards } from '../../src/queue/shards';
import { startRedisServer } from '../../scripts/support/redis-server';
import { waitFor } from '../../src/core/wait-for';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { postJson, request } from '../support/http';
import { call, countJobs, deletePrefix, withRedis } from '../support/redis';
import { runProducer, type RunningProducer } from '../support/service';

function message(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    messageId: 'msg-1',
    roomId: 'room-1',
    senderId: 'alice',
    recipientIds: ['alice', 'bob', 'carol', 'bob', 'dave'],
    notification: { title: 'Room', body: 'Hello' },
    ...overrides,
  };
}

describe('producer API (real Redis)', () => {
  let env: Record<string, string>;
  let producer: RunningProducer;
  const messagesUrl = (): string => `${producer.url}/v1/messages`;
  const queued = () => countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4);

  beforeEach(async () => {
    env = baseEnv({ API_TOKENS: `${TEST_TOKEN},second-token-0123456789` });
    producer = await runProducer(env);
  });

  afterEach(async () => {
    await producer.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  it('answers 202 with the push count once every push is in Redis', async () => {
    const res = await postJson(messagesUrl(), message(), TEST_TOKEN);
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ messageId: 'msg-1', accepted: 3, lane: 'interactive' });
    const counts = await queued();
    expect(counts).to.include({ waiting: 3, jobs: 3 });
  });

  it('writes Bee-Queue jobs with deterministic ids, full payloads and a retry policy', async () => {
    await postJson(messagesUrl(), message({ data: { k: 'v' }, ttlSeconds: 60, priority: 'high' }), TEST_TOKEN);
    const keys = new QueueKeys(env['QUEUE_PREFIX']!);
    const stored = await withRedis(SHARED_REDIS_URL, async (client) => {
      const all: Record<string, string> = {};
      for (const shard of allShards(4)) Object.assign(all, await call<Record<string, string> | null>(client, 'HGETALL', keys.beeKey(shard, 'jobs')));
      return all;
    });
    // <messageId>:<epoch>:<recipientId>, one epoch per acceptance.
    const ids = Object.keys(stored).sort();
    const epoch = /^msg-1:([0-9a-z]+):bob$/.exec(ids[0] ?? '')?.[1];
    expect(ids).to.deep.equal(['bob', 'carol', 'dave'].map((r) => `msg-1:${epoch}:${r}`));
    const job = JSON.parse(stored[`msg-1:${epoch}:bob`]!) as { data: Record<string, unknown>; options: Record<string, unknown> };
    expect(job.data).to.include({ messageId: 'msg-1', roomId: 'room-1', senderId: 'alice', recipientId: 'bob', priority: 'high', epoch });
    expect(job.data['recordExpiresAt']).to.be.a('number');
    expect(job.data['data']).to.deep.equal({ k: 'v' });
    expect(job.data['expiresAt']).to.be.a('number');
    expect(job.options).to.include({ retries: 5 });
  });

  it('answers 202 with accepted 0 for a room of only the sender', async () => {
    const res = await postJson(messagesUrl(), message({ recipientIds: ['alice'] }), TEST_TOKEN);
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ messageId: 'msg-1', accepted: 0, lane: 'interactive' });
    expect((await queued()).jobs).to.equal(0);
  });

  it('does not queue a push twice when the same message is posted again', async () => {
    await postJson(messagesUrl(), message(), TEST_TOKEN);
    await postJson(messagesUrl(), message(), TEST_TOKEN);
    expect(await queued()).to.include({ waiting: 3, jobs: 3 });
  });

  it('answers 400 naming each bad field, and enqueues nothing', async () => {
    const res = await postJson(messagesUrl(), message({ roomId: '', notification: { body: '' }, colour: 'red' }), TEST_TOKEN);
    expect(res.status).to.equal(400);
    const body = res.body as { error: string; details: Array<{ path: string; message: string }> };
    expect(body.error).to.equal('invalid_request');
    expect(body.details.map((d) => d.path)).to.include.members(['roomId', 'notification.body', '(body)']);
    expect((await queued()).jobs).to.equal(0);
  });

  it('answers 400 for malformed JSON and for invalid UTF-8', async () => {
    const bad = await postJson(messagesUrl(), '{"messageId": ', TEST_TOKEN);
    expect(bad.status).to.equal(400);
    expect((bad.body as { error: string }).error).to.equal('invalid_json');
    const bytes = Buffer.concat([Buffer.from('{"messageId":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const utf = await request(messagesUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` },
      body: bytes,
    });
    expect(utf.status).to.equal(400);
    expect((await queued()).jobs).to.equal(0);
  });

  it('answers 413 for a body over 1 MiB, and 415 for a non-JSON body', async () => {
    const huge = JSON.stringify(message({ data: { blob: 'x'.repeat(1024 * 1024) } }));
    const tooLarge = await postJson(messagesUrl(), huge, TEST_TOKEN);
    expect(tooLarge.status).to.equal(413);
    const text = await request(messagesUrl(), {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${TEST_TOKEN}` },
      body: 'hello',
    });
    expect(text.status).to.equal(415);
    expect((await queued()).jobs).to.equal(0);
  });

  it('answers 401 without a token or with a wrong one, and accepts every configured token', async () => {
    const none = await postJson(messagesUrl(), message());
    expect(none.status).to.equal(401);
    expect(none.headers['www-authenticate']).to.equal('Bearer');
    expect((await postJson(messagesUrl(), message(), 'wrong-token-0123456789')).status).to.equal(401);
    expect((await queued()).jobs).to.equal(0);
    expect((await postJson(messagesUrl(), message(), 'second-token-0123456789')).status).to.equal(202);
  });

  it('serves open probes and a JSON 404', async () => {
    const health = await request(`${producer.url}/healthz`);
    expect([health.status, health.body]).to.deep.equal([200, { status: 'ok' }]);
    // Ready only once every shard has connected, which happens in the background: the wait is the assertion.
    const ready = await waitFor(
      async () => {
        const res = await request(`${producer.url}/readyz`);
        return res.status === 200 ? res : undefined;
      },
      { timeoutMs: 5000, description: 'readyz to answer 200' },
    );
    // The probe is open and says nothing but a status word.
    expect(ready.body).to.deep.equal({ status: 'ready' });
    const missing = await request(`${producer.url}/nope`);
    expect(missing.status).to.equal(404);
    expect((missing.body as { error: string }).error).to.equal('not_found');
  });
});

describe('producer API without Redis', () => {
  it('answers 503 quickly, never hangs, and reports not ready', async () => {
    // Port 1 on loopback: nothing listens there, so every connect is refused.
    const producer = await runProducer(baseEnv({ REDIS_URL: 'redis://127.0.0.1:1', ENQUEUE_TIMEOUT_MS: '500' }));
    try {
      const started = Date.now();
      const res = await postJson(`${producer.url}/v1/messages`, message(), TEST_TOKEN);
      expect(res.status).to.equal(503);
      expect(res.headers['retry-after']).to.equal('1');
      expect((res.body as { error: string }).error).to.equal('queue_unavailable');
      expect(res.text).not.to.contain('127.0.0.1');
      expect(Date.now() - started).to.be.below(3000);
      expect((await request(`${producer.url}/readyz`)).status).to.equal(503);
    } finally {
      await producer.close();
    }
  });

  it('answers 503 within ENQUEUE_TIMEOUT_MS when Redis freezes (no answer, no error)', async () => {
    const redis = await startRedisServer();
    const producer = await runProducer(baseEnv({ REDIS_URL: redis.url, ENQUEUE_TIMEOUT_MS: '1000' }));
    try {
      expect((await postJson(`${producer.url}/v1/messages`, message(), TEST_TOKEN)).status).to.equal(202);
      process.kill(redis.pid, 'SIGSTOP');
      const started = Date.now();
      const res = await postJson(`${producer.url}/v1/messages`, message({ messageId: 'frozen' }), TEST_TOKEN);
      expect(res.status).to.equal(503);
      expect(Date.now() - started).to.be.below(2500);
    } finally {
      process.kill(redis.pid, 'SIGCONT');
      await producer.close();
      await redis.stop();
    }
  });

  it('answers 503 when Redis dies, and recovers when it returns', async () => {
    const redis = await startRedisServer();
    const env = baseEnv({ REDIS_URL: redis.url, ENQUEUE_TIMEOUT_MS: '1000' });
    const producer = await runProducer(env);
    try {
      expect((await postJson(`${producer.url}/v1/messages`, message(), TEST_TOKEN)).status).to.equal(202);
      await redis.kill('SIGKILL');
      const down = await postJson(`${producer.url}/v1/messages`, message({ messageId: 'msg-2' }), TEST_TOKEN);
      expect(down.status).to.equal(503);
      await redis.restart();
      // The shard routers reconnect in the background, with capped backoff.
      await waitFor(async () => (await request(`${producer.url}/readyz`)).status === 200, {
        timeoutMs: 10_000,
        description: 'the producer to reconnect to the restarted Redis',
      });
      const back = await postJson(`${producer.url}/v1/messages`, message({ messageId: 'msg-3' }), TEST_TOKEN);
      expect(back.status).to.equal(202);
      expect((await countJobs(redis.url, env['QUEUE_PREFIX']!, 4)).jobs).to.equal(3);
    } finally {
      await producer.close();
      await redis.stop();
    }
  });
});
