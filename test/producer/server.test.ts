import { expect } from 'chai';
import net from 'node:net';
import { waitFor } from '../../src/core/wait-for';
import { baseEnv, SHARED_REDIS_URL } from '../support/env';
import { deletePrefix } from '../support/redis';
import { runProducer, type RunningProducer } from '../support/service';

describe('producer HTTP server limits', () => {
  let producer: RunningProducer;
  let env: Record<string, string>;

  before(async () => {
    env = baseEnv({ HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '600' });
    producer = await runProducer(env);
  });

  after(async () => {
    await producer.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  function slowClient(send: string): { closed: () => boolean; received: () => string; socket: net.Socket } {
    const { port } = new URL(producer.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let closed = false;
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.write(send);
    return { closed: () => closed, received: () => received, socket };
  }

  it('cuts off a client that never finishes its headers', async () => {
    const client = slowClient('POST /v1/messages HTTP/1.1\r\nHost: x\r\n');
    await waitFor(client.closed, { timeoutMs: 5000, description: 'the server to close the socket' });
    expect(client.received()).to.match(/^HTTP\/1\.1 408/);
  });

  it('cuts off a client that trickles its body', async () => {
    const client = slowClient('POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    const timer = setInterval(() => client.socket.write(' '), 100);
    try {
      await waitFor(client.closed, { timeoutMs: 5000, description: 'the server to close the socket' });
    } finally {
      clearInterval(timer);
    }
  });
});
