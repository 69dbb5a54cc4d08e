import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { QueueKeys } from '../../src/queue/queue-keys';
import { buildShards } from '../../src/queue/shards';
import { shardIndexFor } from '../../src/routing/shard-index';
import type { Consumer } from '../../consumer/consumer';
import { type StandInProxy, startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { postJson } from '../support/http';
import { call, deletePrefix, withRedis } from '../support/redis';
import { runConsumer, runProducer, type RunningProducer } from '../support/service';

/** How long the proxy holds the first request: far longer than the test lets the push take. */
const FIRST_REPLY_MS = 8000;

describe('collapse: a send whose turn is lost mid-flight is aborted and sent again under a new turn (real Redis, real HTTP proxy)', function () {
  this.timeout(30_000);
  let env: Record<string, string>;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer;

  before(async () => {
    proxy = await startStandInProxy({ reply: (_, attempt) => (attempt === 1 ? { status: 200, delayMs: FIRST_REPLY_MS } : { status: 200 }) });
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, COLLAPSE_LEASE_MS: '500', PUSH_TIMEOUT_MS: '20000', JOB_BACKOFF_MS: '100', JOB_BACKOFF_MAX_MS: '200' });
    producer = await runProducer(env);
    consumer = await runConsumer(env);
  });

  after(async () => {
    await consumer.close(1000);
    await producer.close();
    await proxy.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  it('stops the first send once a renewal finds another holder, and delivers the push through a second run', async () => {
    const message = { messageId: 'lease', roomId: 'room', senderId: 's', recipientIds: ['bob'], collapseKey: 'room', notification: { body: 'x' } };
    expect((await postJson(`${producer.url}/v1/messages`, message, TEST_TOKEN)).status).to.equal(202);
    await waitFor(() => proxy.requests === 1, { timeoutMs: 10_000, description: 'the first send to reach the proxy' });

    // What a takeover after a lapsed lease leaves: another run's token as the pair's holder.
    const count = Number(env['QUEUE_SHARDS']);
    const home = buildShards(count, 'interactive')[shardIndexFor('bob', count)]!;
    const pair = new QueueKeys(env['QUEUE_PREFIX']!).collapseKey(home, 'room', 'bob');
    const takenAt = Date.now();
    await withRedis(SHARED_REDIS_URL, (c) => call(c, 'HSET', pair, 'h', 'another-run'));

    // Before: the first send went on for its full 8 s and nothing else was sent; the lost turn went unnoticed.
    await waitFor(() => proxy.deliveries.size === 1 && proxy.requests === 2, { timeoutMs: FIRST_REPLY_MS - 2000, description: 'a second send to be delivered' });
    process.stdout.write(`      delivered by a second run ${Date.now() - takenAt} ms after the turn was taken away\n`);
    expect([...proxy.deliveries.keys()]).to.have.length(1);
  });
});
