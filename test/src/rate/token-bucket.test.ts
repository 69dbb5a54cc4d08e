/**
 * The Redis token bucket (takeToken) against real Redis: its burst, its
 * refill rate from both sides, its cap, its key's expiry, one bucket shared
 * by every client, and what a refused write (OOM) does.
 */
import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { startRedisServer } from '../../../scripts/support/redis-server';
import { delay } from '../../../src/core/wait-for';
import { takeToken } from '../../../src/rate/token-bucket';
import { SHARED_REDIS_URL, uniquePrefix } from '../../support/env';
import { call, deletePrefix, connectClient, quitClient } from '../../support/redis';


/** Takes tokens until one is refused; resolves with how many were granted and the wait the refusal named. */
async function drain(client: RedisClient, key: string, perSecond: number, burst: number): Promise<{ granted: number; waitMs: number }> {
  for (let granted = 0; granted <= burst; granted++) {
    const waitMs = await takeToken(client, key, perSecond, burst);
    if (waitMs > 0) return { granted, waitMs };
  }
  throw new Error(`more than the burst of ${burst} granted at once`);
}

describe('token-bucket: takeToken (real Redis)', () => {
  let client: RedisClient;
  let prefix: string;
  let key: string;

  beforeEach(async () => {
    prefix = uniquePrefix();
    key = `${prefix}:bucket`;
    client = await connectClient(SHARED_REDIS_URL);
  });

  afterEach(async () => {
    await quitClient(client);
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  it('grants a full burst at once, then refuses with the wait for the next token', async () => {
    const { granted, waitMs } = await drain(client, key, 10, 5);
    expect(granted).to.equal(5);
    // The next token is at most one interval (1000 / 10 ms) away, and the few ms since the last grant are counted.
    expect(waitMs).to.be.within(50, 100);
  });

  it('refills at perSecond: ten tokens after a drain take between nine and ten intervals, honouring each named wait', async () => {
    await drain(client, key, 20, 2);
    const started = Date.now();
    for (let got = 0; got < 10; ) {
      const waitMs = await takeToken(client, key, 20, 2);
      if (waitMs === 0) got += 1;
      else await delay(waitMs); // pacing by the wait the bucket names, not synchronising
    }
    const elapsed = Date.now() - started;
    // Lower: 10 tokens at 20/s after a drain need 9 full intervals (450 ms) plus part of the first. Upper: waits
    // that overstate, or a refill slower than the rate, push it past 500 ms; 150 ms of slack for timers and round trips.
    expect(elapsed).to.be.within(450, 650);
  });

  it('never holds more than its burst, however long it sat unused', async () => {
    const [seconds] = await call<[string, string]>(client, 'TIME');
    // A bucket last touched an hour ago (by Redis's clock) with tokens to spare.
    await call(client, 'HSET', key, 'tokens', '3', 'ts', String((Number(seconds) - 3600) * 1000));
    expect((await drain(client, key, 10, 5)).granted).to.equal(5);
  });

  it('expires its key once a full refill has passed, and leaves no other key', async () => {
    await takeToken(client, key, 10, 5);
    // burst / rate = 500 ms to refill, plus 1000 ms: after that the key holds nothing a fresh bucket would not.
    expect(await call<number>(client, 'PTTL', key)).to.be.within(1000, 1500);
    expect(await call<string[]>(client, 'KEYS', `${prefix}:*`)).to.deep.equal([key]);
  });

  it('is one bucket for every client naming the key (two producers share one limit)', async () => {
    const other = await connectClient(SHARED_REDIS_URL);
    try {
      const grants = await Promise.all(Array.from({ length: 8 }, (_, i) => takeToken(i % 2 ? other : client, key, 1, 4)));
      expect(grants.filter((w) => w === 0)).to.have.length(4);
    } finally {
      await quitClient(other);
    }
  });
});

describe('token-bucket: takeToken when Redis refuses writes (maxmemory, noeviction)', function () {
  this.timeout(20_000);

  it('rejects with OOM rather than granting or refusing, so the caller decides (the API limit lets the request on)', async () => {
    const redis = await startRedisServer({ args: ['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'] });
    const client = await connectClient(redis.url);
    try {
      await redis.command('SETRANGE', 'filler', String(8 * 1024 * 1024), 'x');
      const refused = await takeToken(client, 'bucket', 10, 5).catch((err: unknown) => err);
      expect(refused).to.be.instanceOf(Error);
      expect((refused as Error).message).to.match(/^OOM /);
      await redis.command('DEL', 'filler');
      expect(await takeToken(client, 'bucket', 10, 5)).to.equal(0);
    } finally {
      await quitClient(client);
      await redis.stop();
    }
  });
});
