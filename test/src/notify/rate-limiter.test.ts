import { expect } from 'chai';
import { silentLogger } from '../../../src/core/logger';
import { SharedRateLimiter } from '../../../src/notify/rate-limiter';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { ShardSet } from '../../../src/queue/shard-set';
import { baseEnv, producerConfig, SHARED_REDIS_URL } from '../../support/env';
import { deletePrefix } from '../../support/redis';

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

  it('shares one limit across pods', async () => {
    const [a, b] = pods.map((p) => new SharedRateLimiter(p.get(0), keys, 200));
    const started = Date.now();
    const counts = [0, 0];
    await Promise.all(
      [a!, b!].map(async (limiter, i) => {
        for (let n = 0; n < 150; n++) {
          await limiter.acquire();
          counts[i]! += 1;
        }
      }),
    );
    // 300 tokens at 200/s, with a 20-token bucket to start: at least 1.4 s, whoever asked.
    expect(Date.now() - started).to.be.at.least(1400);
    expect(counts).to.deep.equal([150, 150]);
  });

  it('pauses every pod after one reports a 429, within one batch', async () => {
    const [a, b] = pods.map((p) => new SharedRateLimiter(p.get(0), keys, 1000));
    await b!.acquire(); // b now holds a local batch (20 tokens at 1000/s)
    await a!.pause(600);
    const started = Date.now();
    for (let n = 0; n < 25; n++) await b!.acquire();
    expect(Date.now() - started).to.be.at.least(500);
  });
});
