import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { findFreePort } from '../../scripts/support/free-port';
import { getStatus } from '../../scripts/support/http-probe';
import { type StandInProxy, startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { postJson } from '../support/http';
import { spawnService } from '../support/processes';
import { countJobs, deletePrefix } from '../support/redis';

describe('graceful shutdown (real processes)', () => {
  let proxy: StandInProxy;
  let env: Record<string, string>;
  let base: string;

  beforeEach(async () => {
    // Every push takes 800 ms at the proxy, so a SIGTERM lands while pushes are in flight.
    proxy = await startStandInProxy({ reply: () => ({ status: 200, delayMs: 800 }) });
    const port = await findFreePort();
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, PORT: String(port), HOST: '127.0.0.1', SHUTDOWN_TIMEOUT_MS: '5000' });
    base = `http://127.0.0.1:${port}`;
  });

  afterEach(async () => {
    await proxy.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  it('consumer: SIGTERM lets in-flight pushes finish, leaves nothing half-done, and exits 0', async () => {
    const producer = spawnService('producer/main.js', env);
    const consumer = spawnService('consumer/main.js', env);
    try {
      await waitFor(async () => (await getStatus(`${base}/readyz`)) === 200, { timeoutMs: 15_000, description: 'ready' });
      const recipientIds = Array.from({ length: 10 }, (_, i) => `u${i}`);
      const body = { messageId: 'sd1', roomId: 'r', senderId: 's', recipientIds, notification: { body: 'x' } };
      expect((await postJson(`${base}/v1/messages`, body, TEST_TOKEN)).status).to.equal(202);
      await waitFor(() => proxy.requests === 10, { timeoutMs: 10_000, description: 'all ten pushes in flight' });
      expect(proxy.delivered).to.have.length(0);
      expect(await consumer.stop('SIGTERM')).to.equal(0);
      // Every in-flight push completed before exit, and its job is gone: nothing left for the stall check.
      expect(proxy.delivered).to.have.length(10);
      expect(await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4)).to.include({ active: 0, waiting: 0, jobs: 0 });
    } finally {
      await consumer.stop('SIGKILL');
      await producer.stop('SIGKILL');
    }
  });

  it('producer: SIGTERM answers the request in flight, then exits 0', async () => {
    const producer = spawnService('producer/main.js', env);
    try {
      await waitFor(async () => (await getStatus(`${base}/readyz`)) === 200, { timeoutMs: 15_000, description: 'ready' });
      const recipientIds = Array.from({ length: 50_000 }, (_, i) => `user-${i}`);
      const body = { messageId: 'sd2', roomId: 'r', senderId: 's', recipientIds, notification: { body: 'x' } };
      const inFlight = postJson(`${base}/v1/messages`, body, TEST_TOKEN);
      await waitFor(async () => (await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4)).jobs > 0, {
        timeoutMs: 10_000,
        description: 'the intake to be under way',
      });
      const exited = producer.stop('SIGTERM');
      expect((await inFlight).status).to.equal(202);
      expect(await exited).to.equal(0);
      expect((await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4)).jobs).to.equal(50_000);
    } finally {
      await producer.stop('SIGKILL');
    }
  });
});
