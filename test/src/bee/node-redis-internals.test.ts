/**
 * Contract tests: the node-redis 3.1.2 internals src/bee relies on (`ready`,
 * `closing`, `write`/`cork`/`uncork`/`pipeline`, `duplicate`) behave as
 * assumed, on the pinned node-redis against real Redis.
 */
import { expect } from 'chai';
import { createClient, type RedisClient } from 'redis';
import { enableAutoPipelining } from '../../../src/bee/auto-pipeline';
import { createGuardedClient } from '../../../src/bee/guarded-client';
import { isEnded, isReady } from '../../../src/bee/node-redis-internals';
import { waitFor } from '../../../src/core/wait-for';
import { sendCommand } from '../../../src/redis/send-command';
import { SHARED_REDIS_URL } from '../../support/env';

/** The socket of a node-redis client, with its writes counted. */
function countWrites(client: RedisClient): { writes: number; corked: () => number } {
  const stream = (client as unknown as { stream: NodeJS.WritableStream & { writableCorked: number } }).stream;
  const counter = { writes: 0, corked: () => stream.writableCorked };
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  (stream as unknown as { write: (...args: unknown[]) => boolean }).write = (...args) => {
    counter.writes += 1;
    return write(...args);
  };
  return counter;
}

async function readyClient(make: () => RedisClient): Promise<RedisClient> {
  const client = make();
  await waitFor(() => isReady(client), { timeoutMs: 5000, description: 'the client to be ready' });
  return client;
}

describe('bee: node-redis 3.1.2 internals behave as src/bee assumes (real Redis)', () => {
  const clients: RedisClient[] = [];
  const track = (c: RedisClient): RedisClient => (clients.push(c), c);

  afterEach(() => {
    for (const client of clients.splice(0)) client.end(false);
  });

  it('ready is false until the client is connected, closing is true once it has ended', async () => {
    const client = track(createClient({ url: SHARED_REDIS_URL }));
    expect([isReady(client), isEnded(client)]).to.deep.equal([false, false]);
    await waitFor(() => isReady(client), { timeoutMs: 5000, description: 'ready' });
    expect(isEnded(client)).to.equal(false);
    await new Promise<void>((resolve) => client.quit(() => resolve()));
    expect(isEnded(client)).to.equal(true);
  });

  it('an auto-pipelined client sends one turn\'s commands in one socket write, MULTI included, and uncorks after', async () => {
    const client = track(await readyClient(() => createClient({ url: SHARED_REDIS_URL })));
    enableAutoPipelining(client);
    const socket = countWrites(client);
    const replies = Array.from({ length: 50 }, (_, i) => sendCommand(client, 'ECHO', [String(i)]));
    const multi = new Promise((resolve, reject) => client.multi().echo('m1').echo('m2').exec((err, r) => (err ? reject(err) : resolve(r))));
    replies.push(sendCommand(client, 'ECHO', ['after-multi']));
    expect(await Promise.all(replies)).to.deep.equal([...Array.from({ length: 50 }, (_, i) => String(i)), 'after-multi']);
    expect(await multi).to.deep.equal(['m1', 'm2']);
    // MULTI flushes what was queued before it by itself: one write before it, one for it and what follows.
    expect(socket.writes).to.be.at.least(1).and.at.most(2);
    expect(socket.corked()).to.equal(0);
  });

  it('a plain client writes each command on its own, which is what auto-pipelining saves', async () => {
    const client = track(await readyClient(() => createClient({ url: SHARED_REDIS_URL })));
    const socket = countWrites(client);
    await Promise.all(Array.from({ length: 20 }, (_, i) => sendCommand(client, 'ECHO', [String(i)])));
    expect(socket.writes).to.be.at.least(20);
  });

  it('duplicate() of a guarded client makes a guarded, auto-pipelined client with the same options', async () => {
    const errors: Error[] = [];
    const client = track(await readyClient(() => createGuardedClient({ url: SHARED_REDIS_URL }, (err) => errors.push(err))));
    const copy = track(await readyClient(() => client.duplicate()));
    const socket = countWrites(copy);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => sendCommand(copy, 'ECHO', [String(i)])));
    expect(replies).to.have.length(20);
    expect(socket.writes).to.equal(1);
    copy.emit('error', new Error('on the copy'));
    expect(errors.map((e) => e.message)).to.deep.equal(['on the copy']);
  });
});
