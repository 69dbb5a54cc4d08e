import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { findFreePort } from '../../scripts/support/free-port';
import { startStandInProxy, type StandInProxy } from '../../scripts/support/stand-in-proxy';
import { getStatus } from '../../scripts/support/http-probe';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { postJson } from '../support/http';
import { type ServiceProcess, spawnService } from '../support/processes';
import { countJobs, deletePrefix } from '../support/redis';

describe('end to end: one message in, one push per recipient out (real processes)', () => {
  let proxy: StandInProxy;
  let producer: ServiceProcess;
  let consumer: ServiceProcess;
  let env: Record<string, string>;
  let base: string;

  before(async () => {
    proxy = await startStandInProxy();
    const port = await findFreePort();
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    base = `http://127.0.0.1:${port}`;
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
    expect(res.body).to.deep.equal({ messageId: 'chat-42', accepted: 49 });

    await waitFor(
      async () => {
        const c = await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4);
        return proxy.deliveries.size === 49 && c.jobs + c.waiting + c.active + c.delayed === 0;
      },
      { timeoutMs: 15_000, description: '49 pushes delivered and the queues empty' },
    );
    expect(proxy.delivered).to.have.length(49);
    const expectedKeys = members.slice(1).map((m) => `chat-42:${m}`);
    expect(proxy.delivered.map((p) => p.idempotencyKey).sort()).to.deep.equal([...expectedKeys].sort());
    for (const push of proxy.delivered) {
      expect(push.idempotencyKey).to.equal(`chat-42:${push.body['recipientId'] as string}`);
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

  it('shuts both processes down cleanly on SIGTERM', async () => {
    expect(await producer.stop('SIGTERM')).to.equal(0);
    expect(await consumer.stop('SIGTERM')).to.equal(0);
    expect(producer.output() + consumer.output()).not.to.match(/MaxListenersExceeded|UnhandledPromiseRejection/);
  });
});
