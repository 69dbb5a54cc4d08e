import { expect } from 'chai';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../../support/env';
import { request } from '../../support/http';
import { deletePrefix } from '../../support/redis';
import { runProducer, type RunningProducer } from '../../support/service';

const OTHER_TOKEN = 'other-token-0123456789abc';

describe('per-token API rate limit (real Redis, two producers)', () => {
  let env: Record<string, string>;
  let producers: RunningProducer[];

  before(async () => {
    env = baseEnv({ API_RATE_LIMIT: '5', API_TOKENS: `${TEST_TOKEN},${OTHER_TOKEN}` });
    producers = [await runProducer(env), await runProducer(env)];
  });

  after(async () => {
    await Promise.all(producers.map((p) => p.close()));
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  const get = (i: number, token: string) =>
    request(`${producers[i]!.url}/v1/messages/some-id`, { headers: { authorization: `Bearer ${token}` } });

  it('allows a burst of the limit, then answers 429 with Retry-After, across both producers', async () => {
    const statuses: number[] = [];
    const started = Date.now();
    for (let n = 0; n < 8; n++) statuses.push((await get(n % 2, TEST_TOKEN)).status);
    const elapsedMs = Date.now() - started;
    expect(statuses.slice(0, 5)).to.deep.equal([404, 404, 404, 404, 404]);
    expect(statuses.slice(5)).to.include(429);
    expect(statuses.every((s) => s === 404 || s === 429), String(statuses)).to.equal(true);
    // Upper bound: past the burst of 5, at most one more request per 200 ms (5/s) of the run gets through.
    expect(statuses.filter((s) => s === 404).length, `allowed in ${elapsedMs} ms`).to.be.at.most(5 + Math.ceil(elapsedMs / 200));
    const limited = await get(0, TEST_TOKEN);
    expect(limited.status).to.equal(429);
    // The next token is at most 200 ms away, which rounds up to 1 s; a longer Retry-After would hold clients back.
    expect(limited.headers['retry-after']).to.equal('1');
    expect((limited.body as { error: string }).error).to.equal('rate_limited');
  });

  it('keeps a separate budget per token, and leaves the probes alone', async () => {
    expect((await get(0, OTHER_TOKEN)).status).to.equal(404);
    expect((await request(`${producers[0]!.url}/healthz`)).status).to.equal(200);
  });
});
