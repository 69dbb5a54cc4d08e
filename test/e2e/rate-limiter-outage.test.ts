import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import type { RedisEndpoint } from '../../src/config/redis-config';
import type { EndpointResolver } from '../../src/routing/endpoint-resolver';
import { shardIndexFor } from '../../src/routing/shard-index';
import { buildShards } from '../../src/queue/shards';
import type { Consumer } from '../../consumer/consumer';
import { type RedisServerHandle, startRedisServer } from '../../scripts/support/redis-server';
import { startStandInProxy, type StandInProxy } from '../../scripts/support/stand-in-proxy';
import { baseEnv, TEST_TOKEN } from '../support/env';
import { postJson } from '../support/http';
import { deadLetters } from '../support/redis';
import { runConsumer, runProducer, type RunningProducer } from '../support/service';

const SHARDS = 4;

/** Shard 0 lives on `lone`, every other shard on `rest`: two standalone servers standing in for two nodes. */
function splitResolver(lone: RedisEndpoint, rest: RedisEndpoint): EndpointResolver {
  const loneSlot = buildShards(SHARDS)[0]!.slot;
  return { ownerOf: (slot) => Promise.resolve(slot === loneSlot ? lone : rest), invalidate: () => undefined };
}

describe('shared rate limit while one node is down (two real redis-servers)', function () {
  this.timeout(60_000);
  let lone: RedisServerHandle;
  let rest: RedisServerHandle;
  let proxy: StandInProxy;
  let producer: RunningProducer | undefined;
  let consumer: Consumer | undefined;

  before(async () => {
    [lone, rest] = await Promise.all([startRedisServer(), startRedisServer()]);
    proxy = await startStandInProxy();
  });

  after(async () => {
    await consumer?.close(1000);
    await producer?.close();
    await proxy.close();
    await Promise.all([lone.stop(), rest.stop()]);
  });

  it('delivers the pushes of healthy shards, using up no retries and dead-lettering none', async () => {
    const env = baseEnv({
      REDIS_URL: rest.url,
      QUEUE_SHARDS: String(SHARDS),
      PUSH_PROXY_URL: proxy.url,
      PUSH_RATE_LIMIT: '1000',
      PUSH_RETRIES: '0',
      JOB_RETRIES: '2',
      JOB_BACKOFF_MS: '50',
      JOB_BACKOFF_MAX_MS: '100',
    });
    const resolver = splitResolver({ host: '127.0.0.1', port: lone.port }, { host: '127.0.0.1', port: rest.port });
    // Only recipients on the healthy node: shard 0's own pushes could not be queued at all.
    const recipients = Array.from({ length: 60 }, (_, i) => `r${i}`).filter((r) => shardIndexFor(r, SHARDS) !== 0);
    producer = await runProducer(env, resolver);
    await lone.kill('SIGKILL');
    const accepted = await postJson(
      `${producer.url}/v1/messages`,
      { messageId: 'm1', roomId: 'r', senderId: 's', recipientIds: recipients, notification: { body: 'x' } },
      TEST_TOKEN,
    );
    expect(accepted.status).to.equal(202);

    consumer = await runConsumer(env, resolver);
    const delivered = await waitFor(() => proxy.deliveries.size === recipients.length, { timeoutMs: 20_000, description: 'every push of the healthy shards delivered' })
      .then(() => true)
      .catch(() => false);
    const letters = await deadLetters(env);
    process.stdout.write(`      ${recipients.length} pushes: ${proxy.deliveries.size} delivered, ${letters.length} dead-lettered\n`);
    expect(letters.map((l) => l.reason)).to.deep.equal([]);
    expect(delivered).to.equal(true);
    expect([...proxy.deliveries.values()].every((n) => n === 1)).to.equal(true);
    // Each push went out on its first run: the limiter used up none of their retries.
    expect(await consumer.metrics.registry.metrics()).not.to.match(/pushes_retried_total\{layer="queue"\} [1-9]/);
  });
});
