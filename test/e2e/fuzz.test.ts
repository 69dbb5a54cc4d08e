import { expect } from 'chai';
import fc from 'fast-check';
import { waitFor } from '../../src/core/wait-for';
import { findFreePort } from '../../scripts/support/free-port';
import { getStatus } from '../../scripts/support/http-probe';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { hostileBody } from '../support/fuzz-bodies';
import { request } from '../support/http';
import { type ServiceProcess, spawnService } from '../support/processes';
import { countJobs, deletePrefix } from '../support/redis';

const RUNS = 10_000;

/** A 4xx for a bad body, 202 for a valid one, 200 for a repeat of one already accepted; never a 5xx or anything else. */
function isExpectedStatus(status: number): boolean {
  return (status >= 400 && status < 500) || status === 202 || status === 200;
}

describe('fuzz: 10,000 hostile bodies against a real producer process', function () {
  this.timeout(180_000);
  let producer: ServiceProcess;
  let env: Record<string, string>;
  let base: string;

  before(async () => {
    const port = await findFreePort();
    env = baseEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error' });
    base = `http://127.0.0.1:${port}`;
    producer = spawnService('producer/main.js', env);
    await waitFor(async () => (await getStatus(`${base}/readyz`)) === 200, { timeoutMs: 15_000, description: 'ready' });
  });

  after(async () => {
    await producer.stop('SIGKILL');
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  it('answers every body with a 4xx (or 2xx if valid), never a 5xx, and enqueues only what it accepts', async () => {
    const histogram = new Map<number, number>();
    let acceptedPushes = 0;
    // One property, checked once: fast-check stops at the first body answered otherwise, shrinks it, and prints its seed.
    await fc.assert(
      fc.asyncProperty(hostileBody, async (body) => {
        const res = await request(`${base}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` },
          body,
        });
        histogram.set(res.status, (histogram.get(res.status) ?? 0) + 1);
        if (res.status === 202) acceptedPushes += (res.body as { accepted: number }).accepted;
        return isExpectedStatus(res.status);
      }),
      { numRuns: RUNS },
    );
    const counts = Object.fromEntries([...histogram].sort(([a], [b]) => a - b));
    process.stdout.write(`      ${RUNS} bodies; status histogram ${JSON.stringify(counts)}\n`);
    expect((await getStatus(`${base}/healthz`))).to.equal(200);
    expect(producer.child.exitCode).to.equal(null);
    expect((await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4)).jobs).to.equal(acceptedPushes);
  });
});
