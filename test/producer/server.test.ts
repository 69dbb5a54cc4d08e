import { expect } from 'chai';
import net from 'node:net';
import { waitFor } from '../../src/core/wait-for';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { deletePrefix } from '../support/redis';
import { runProducer, type RunningProducer } from '../support/service';

const HEADERS_TIMEOUT_MS = 300;
const REQUEST_TIMEOUT_MS = 600;
/**
 * Node checks the timeouts every connectionsCheckingInterval (here half the headers timeout, 150 ms), so a cut-off
 * lands up to one interval late; 250 ms more for a loaded test machine. A socket held twice as long fails.
 */
const CUT_OFF_SLACK_MS = 400;

describe('producer HTTP server limits', () => {
  let producer: RunningProducer;
  let env: Record<string, string>;

  before(async () => {
    env = baseEnv({ HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS), HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
    producer = await runProducer(env);
  });

  after(async () => {
    await producer.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  /** A raw socket that sends `send` and records what comes back and when it closed (ms after the connect). */
  function slowClient(send: string): { closedAfterMs: () => number | undefined; received: () => string; socket: net.Socket } {
    const { port } = new URL(producer.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let connectedAt = Date.now();
    let closedAfterMs: number | undefined;
    let received = '';
    socket.on('connect', () => (connectedAt = Date.now()));
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('close', () => (closedAfterMs = Date.now() - connectedAt));
    socket.on('error', () => undefined);
    socket.write(send);
    return { closedAfterMs: () => closedAfterMs, received: () => received, socket };
  }

  it('cuts off a client that never finishes its headers: 408 after HTTP_HEADERS_TIMEOUT_MS, not before', async () => {
    const client = slowClient('POST /v1/messages HTTP/1.1\r\nHost: x\r\n');
    const closedAfterMs = await waitFor(client.closedAfterMs, { timeoutMs: 5000, description: 'the server to close the socket' });
    expect(client.received()).to.match(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).to.be.within(HEADERS_TIMEOUT_MS, HEADERS_TIMEOUT_MS + CUT_OFF_SLACK_MS);
  });

  it('cuts off a client that trickles its body: 408 after HTTP_REQUEST_TIMEOUT_MS, not before', async () => {
    // Authorised, so the app waits for the body; without a token it answers 401 at once and never reads it.
    const head = `POST /v1/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`;
    const client = slowClient(head);
    // A byte every 100 ms: never idle long enough for the headers timeout, so only the request timeout can cut it.
    const timer = setInterval(() => client.socket.write(' '), 100);
    try {
      const closedAfterMs = await waitFor(client.closedAfterMs, { timeoutMs: 5000, description: 'the server to close the socket' });
      expect(client.received()).to.match(/^HTTP\/1\.1 408 /);
      expect(closedAfterMs).to.be.within(REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_MS + CUT_OFF_SLACK_MS);
    } finally {
      clearInterval(timer);
    }
  });
});
