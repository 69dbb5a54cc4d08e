import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { PermanentPushError, TransientPushError } from '../../../src/core/errors';
import { waitFor } from '../../../src/core/wait-for';
import type { PushJobData } from '../../../src/push/push-job';
import { createPushClient, type PushClient } from '../../../src/notify/push-client';
import { idempotencyKey, pushRequestBody } from '../../../src/notify/push-request';
import type { RateLimiter, RateScope } from '../../../src/rate/rate-limiter';
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

  it('rejects a push whose Idempotency-Key undici refuses (a recipient id with \\u2028) promptly as permanent, sending nothing', async () => {
    const started = Date.now();
    const err = await client.send({ ...PUSH, recipientId: 'bad\u2028' }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(PermanentPushError);
    expect((err as PermanentPushError).status).to.equal(undefined);
    // Not retried: one attempt, no backoff, nothing reached the proxy.
    expect(retries).to.equal(0);
    expect(heard).to.have.length(1);
    expect(proxy.requests).to.equal(0);
    expect(Date.now() - started).to.be.below(1000);
  });

  it('stops a send in flight when its signal aborts, and does not retry it', async () => {
    reply = () => ({ status: 200, delayMs: 250 });
    const lost = new AbortController();
    const started = Date.now();
    const sending = client.send(PUSH, undefined, lost.signal).then(() => undefined, (e: unknown) => e);
    await waitFor(() => proxy.requests === 1, { timeoutMs: 2000, description: 'the request to reach the proxy' });
    lost.abort(new Error('turn lost'));
    const err = await sending;
    // Rejected before the proxy's answer was due (250 ms), with no retry: axios-retry leaves a cancelled request alone.
    expect(err).to.be.instanceOf(TransientPushError);
    expect(Date.now() - started).to.be.below(250);
    expect(retries).to.equal(0);
    expect(proxy.requests).to.equal(1);
  });

  it('sends nothing when its signal has already aborted (a turn lost while the push waited for a slot)', async () => {
    const lost = new AbortController();
    lost.abort(new Error('turn lost'));
    const err = await client.send(PUSH, undefined, lost.signal).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransientPushError);
    expect(proxy.requests).to.equal(0);
    expect(retries).to.equal(0);
  });

  it('does not wait out a Retry-After longer than the cap: the queue will', async () => {
    reply = () => ({ status: 429, headers: { 'retry-after': '10' } });
    const err = await client.send(PUSH).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransientPushError);
    expect((err as TransientPushError).retryAfterMs).to.be.within(9000, 10_000);
    expect(proxy.requests).to.equal(1);
  });
});

/** A raw HTTP server that keeps every request's headers and exact body bytes, answering from `replies` in turn. */
async function rawProxy(replies: Array<{ status: number; headers?: Record<string, string> }>): Promise<{
  url: string;
  seen: Array<{ headers: http.IncomingHttpHeaders; body: Buffer }>;
  close(): Promise<void>;
}> {
  const seen: Array<{ headers: http.IncomingHttpHeaders; body: Buffer }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const reply = replies[Math.min(seen.length, replies.length) - 1] ?? { status: 200 };
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/push`,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('push-client: what goes on the wire, first attempts and retries', () => {
  const clients: PushClient[] = [];
  const servers: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  const statuses: number[] = [];
  function clientFor(url: string, limiter?: RateLimiter): PushClient {
    statuses.length = 0;
    const onResponse = (status: number): void => void statuses.push(status);
    const client = createPushClient({ url, token: 'proxy-token', timeoutMs: 1000, retries: 2, retryBaseMs: 1, retryMaxDelayMs: 1000, maxSockets: 2, onResponse, ...(limiter ? { limiter } : {}) });
    clients.push(client);
    return client;
  }

  it('sends the body byte for byte as JSON.stringify of the documented body, with its headers, on every attempt', async () => {
    const proxy = await rawProxy([{ status: 503 }, { status: 429, headers: { 'retry-after': '0' } }, { status: 200 }]);
    servers.push(proxy);
    const push: PushJobData = {
      ...PUSH,
      notification: { title: 'Ünïcode "quoted" \u2028', body: 'emoji \u{1F600} and \\ backslash' },
      collapseKey: 'c',
      expiresAt: 1_700_000_000_000,
      epoch: 'e7',
    };
    await clientFor(proxy.url).send(push);
    expect(proxy.seen).to.have.length(3);
    const expected = Buffer.from(JSON.stringify(pushRequestBody(push)), 'utf8');
    for (const { headers, body } of proxy.seen) {
      expect(body.equals(expected)).to.equal(true);
      expect(headers['content-type']).to.equal('application/json');
      expect(headers['content-length']).to.equal(String(expected.length));
      expect(headers['idempotency-key']).to.equal(idempotencyKey(push));
      expect(headers['authorization']).to.equal('Bearer proxy-token');
      expect(headers['user-agent']).to.equal('push-fanout');
    }
  });

  it('does not follow a redirect: a 3xx fails the push as permanent, sent once', async () => {
    const proxy = await rawProxy([{ status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }]);
    servers.push(proxy);
    const err = await clientFor(proxy.url).send(PUSH).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(PermanentPushError);
    expect((err as PermanentPushError).status).to.equal(302);
    expect(proxy.seen).to.have.length(1);
  });

  it("keeps the proxy token out of a failure's error and its cause", async () => {
    const proxy = await rawProxy([{ status: 200 }]);
    const url = proxy.url;
    await proxy.close();
    const err = await clientFor(url).send(PUSH).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TransientPushError);
    expect((err as Error).cause).to.not.equal(undefined);
    expect(inspect(err, { depth: 10 })).to.not.include('proxy-token');
  });

  it('asks the limiter for a token with the push scope on every attempt, pauses on a 429 and times every attempt', async () => {
    const proxy = await rawProxy([{ status: 502 }, { status: 429, headers: { 'retry-after': '0' } }, { status: 200 }]);
    servers.push(proxy);
    const scopes: Array<RateScope | undefined> = [];
    const pauses: number[] = [];
    const limiter: RateLimiter = { acquire: async (scope) => void scopes.push(scope), pause: async (ms) => void pauses.push(ms) };
    const scope = { shard: { index: 3 }, redis: {} } as unknown as RateScope;
    await clientFor(proxy.url, limiter).send(PUSH, scope);
    expect(proxy.seen).to.have.length(3);
    expect(scopes).to.have.length(3);
    // The shard and connection themselves, never copies: axios' config merging must not clone them.
    expect(scopes.every((s) => s?.shard === scope.shard && s.redis === scope.redis)).to.equal(true);
    expect(pauses).to.have.length(1);
    expect(statuses).to.deep.equal([502, 429, 200]);
  });
});
