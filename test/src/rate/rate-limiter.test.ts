import { expect } from 'chai';
import { createClient } from 'redis';
import { silentLogger } from '../../../src/core/logger';
import { type RateScope, SharedRateLimiter } from '../../../src/rate/rate-limiter';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { clientOf } from '../../../src/routing/on-shard';
import type { ShardQueue } from '../../../src/routing/shard-queue';
import { ShardSet } from '../../../src/routing/shard-set';
import { sendSignal } from '../../../scripts/support/process-control';
import { startRedisServer } from '../../../scripts/support/redis-server';
import { baseEnv, producerConfig, SHARED_REDIS_URL } from '../../support/env';
import { deletePrefix } from '../../support/redis';

/** The scope a push of `router`'s shard has: its shard and its queue's connection. */
async function scopeOf(router: ShardQueue): Promise<RateScope> {
  return { shard: router.shard, redis: clientOf(await router.acquire(Date.now() + 5000)) };
}

describe('rate-limiter (real Redis, two "pods")', () => {
  const env = baseEnv();
  const config = producerConfig(env);
  const keys = new QueueKeys(config.queue.prefix);
  // Two shard sets stand for two consumer pods sharing one Redis.
  const pods = [0, 1].map(() => ShardSet.create({ config, role: 'producer', log: silentLogger() }));

  after(async () => {
    await Promise.all(pods.map((p) => p.close(1000)));
    await deletePrefix(SHARED_REDIS_URL, config.queue.prefix);
  });

  it('shares one limit across pods, split over the shards', async () => {
    const [a, b] = pods.map((p) => new SharedRateLimiter(p.lane('interactive'), keys, 200));
    const scopes = await Promise.all(pods.map((p) => Promise.all(p.queues.map(scopeOf))));
    const started = Date.now();
    const counts = [0, 0];
    await Promise.all(
      [a!, b!].map(async (limiter, i) => {
        for (let n = 0; n < 150; n++) {
          await limiter.acquire(scopes[i]![n % 4]);
          counts[i]! += 1;
        }
      }),
    );
    // 300 tokens at 200/s (50/s per shard), with 4 buckets of 5 to start: at least 1.4 s, whoever asked. At most
    // 1.7 s: the limiter may lose a timer's lateness and a round trip per wait, not a fifth of its rate (built on
    // both lanes' 8 queues, it split the limit over 8 buckets while only 4 were asked, and took 2.9 s).
    expect(Date.now() - started).to.be.within(1400, 1700);
    expect(counts).to.deep.equal([150, 150]);
  });

  it('pauses every pod on every shard after one reports a 429, within one batch', async () => {
    const [a, b] = pods.map((p) => new SharedRateLimiter(p.lane('interactive'), keys, 1000));
    const scope = await scopeOf(pods[1]!.get(3));
    await b!.acquire(scope); // b now holds a local batch of shard 3 (5 tokens at 250/s: 1000/s over 4 interactive shards)
    await a!.pause(600);
    const started = Date.now();
    for (let n = 0; n < 25; n++) await b!.acquire(scope);
    // At least the pause less b's local batch's 50 ms lifetime; at most the pause plus 100 ms: the bucket (burst 25)
    // filled during the pause, so the 25 go out in a few batch round trips as soon as it lapses.
    expect(Date.now() - started).to.be.within(500, 700);
  });

  it('lets a push through, and counts it, when its bucket does not answer (a SIGSTOPped redis-server)', async function () {
    this.timeout(20_000);
    const frozen = await startRedisServer();
    const client = createClient({ host: '127.0.0.1', port: frozen.port, enable_offline_queue: false });
    client.on('error', () => undefined);
    let bypassed = 0;
    let failed = 0;
    const limiter = new SharedRateLimiter(pods[0]!.lane('interactive'), keys, 1000, { bypassed: () => (bypassed += 1), failed: () => (failed += 1) });
    try {
      await new Promise((resolve) => client.once('ready', resolve));
      sendSignal(frozen.pid, 'SIGSTOP');
      const scope = { shard: pods[0]!.get(0).shard, redis: client };
      const started = Date.now();
      await limiter.acquire(scope);
      const first = Date.now() - started;
      // Within the fail-open window the frozen node is not asked again.
      for (let n = 0; n < 10; n++) await limiter.acquire(scope);
      expect(first).to.be.within(400, 1500);
      expect(Date.now() - started - first).to.be.below(100);
      expect({ bypassed, failed }).to.deep.equal({ bypassed: 11, failed: 1 });
    } finally {
      sendSignal(frozen.pid, 'SIGCONT');
      client.end(false);
      await frozen.stop();
    }
  });
});
