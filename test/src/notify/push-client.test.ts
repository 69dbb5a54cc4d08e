import { expect } from 'chai';
import { PermanentPushError, TransientPushError } from '../../../src/core/errors';
import type { PushJobData } from '../../../src/push/push-job';
import { createPushClient, type PushClient } from '../../../src/notify/push-client';
import { type ProxyReply, type ReceivedPush, type StandInProxy, startStandInProxy } from '../../../scripts/support/stand-in-proxy';

const PUSH: PushJobData = {
  messageId: 'm1',
  roomId: 'r1',
  senderId: 's',
  recipientId: 'u:1',
  notification: { title: 'T', body: 'B' },
  data: { k: 'v' },
  priority: 'high',
  acceptedAt: 0,
};

describe('push-client (axios + axios-retry over undici, real HTTP server)', () => {
  let proxy: StandInProxy;
  let client: PushClient;
  let reply: (push: ReceivedPush, attempt: number) => ProxyReply;
  let retries: number;
  const heard: Array<Record<string, unknown>> = [];

  beforeEach(async () => {
    reply = () => ({ status: 200 });
    retries = 0;
    heard.length = 0;
    proxy = await startStandInProxy({ reply: (p, n) => reply(p, n) });
    client = createPushClient({
      url: proxy.url,
      token: 'proxy-token',
      timeoutMs: 300,
      retries: 2,
      retryBaseMs: 5,
      retryMaxDelayMs: 1000,
      maxSockets: 4,
      onRetry: () => (retries += 1),
      onResponse: (status, seconds) => heard.push({ status, seconds }),
    });
  });

  afterEach(async () => {
    await client.close();
    await proxy.close();
  });

  it('POSTs the documented body with Idempotency-Key and the proxy token', async () => {
    await client.send(PUSH);
    const [got] = proxy.delivered;
    expect(got?.idempotencyKey).to.equal('m1:u:1');
    expect(got?.body).to.deep.equal({
      messageId: 'm1', roomId: 'r1', senderId: 's', recipientId: 'u:1',
      notification: { title: 'T', body: 'B' }, data: { k: 'v' }, collapseKey: null, priority: 'high', expiresAt: null, collapsedCount: 0,
    });
    expect(heard).to.have.length(1);
    expect(heard[0]?.['status']).to.equal(200);
  });

  it('retries a 503 within the attempt and succeeds', async () => {
    reply = (_, n) => (n === 1 ? { status: 503 } : { status: 200 });
    await client.send(PUSH);
    expect(retries).to.equal(1);
    expect(proxy.requests).to.equal(2);
  });

  it('fails a 400 at once as permanent, with its status', async () => {
    reply = () => ({ status: 400 });
    const err = await client.send(PUSH).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(PermanentPushError);
    expect((err as PermanentPushError).status).to.equal(400);
    expect(proxy.requests).to.equal(1);
  });

  it('times out a slow proxy as transient, after its retries', async () => {
    reply = () => ({ status: 200, delayMs: 1000 });
    const err = await client.send(PUSH).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransientPushError);
    expect(retries).to.equal(2);
  });

  it('treats a refused connection as transient', async () => {
    await proxy.close();
    const err = await client.send(PUSH).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransientPushError);
    expect((err as TransientPushError).status).to.equal(undefined);
  });

  it('does not wait out a Retry-After longer than the cap: the queue will', async () => {
    reply = () => ({ status: 429, headers: { 'retry-after': '10' } });
    const err = await client.send(PUSH).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransientPushError);
    expect((err as TransientPushError).retryAfterMs).to.be.within(9000, 10_000);
    expect(proxy.requests).to.equal(1);
  });
});
