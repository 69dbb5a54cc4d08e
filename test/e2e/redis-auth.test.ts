import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { findFreePort } from '../../scripts/support/free-port';
import { getStatus } from '../../scripts/support/http-probe';
import { startRedisCluster } from '../../scripts/support/redis-cluster';
import { startRedisServer } from '../../scripts/support/redis-server';
import { startStandInProxy, type StandInProxy } from '../../scripts/support/stand-in-proxy';
import { clusterEnv } from '../support/cluster-fixture';
import { baseEnv, TEST_TOKEN } from '../support/env';
import { postJson } from '../support/http';
import { spawnService } from '../support/processes';
import { runConsumer, runProducer } from '../support/service';

const PASSWORD = 'redis-secret-5f1e9c2a';
const message = (id: string) => ({ messageId: id, roomId: 'r', senderId: 's', recipientIds: ['a', 'b', 'c'], notification: { body: 'x' } });

describe('Redis with a password or an ACL user', function () {
  this.timeout(60_000);
  let proxy: StandInProxy;

  beforeEach(async () => {
    proxy = await startStandInProxy();
  });

  afterEach(() => proxy.close());

  it('works with requirepass, and never logs the password', async () => {
    const redis = await startRedisServer({ password: PASSWORD });
    const port = await findFreePort();
    const env = baseEnv({
      REDIS_URL: `redis://127.0.0.1:${redis.port}`,
      REDIS_PASSWORD: PASSWORD,
      PUSH_PROXY_URL: proxy.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
    });
    const producer = spawnService('producer/main.js', env);
    const consumer = spawnService('consumer/main.js', env);
    try {
      await waitFor(async () => (await getStatus(`http://127.0.0.1:${port}/readyz`)) === 200, { timeoutMs: 15_000, description: 'ready' });
      expect((await postJson(`http://127.0.0.1:${port}/v1/messages`, message('p1'), TEST_TOKEN)).status).to.equal(202);
      await waitFor(() => proxy.deliveries.size === 3, { timeoutMs: 10_000, description: 'three pushes' });
    } finally {
      await producer.stop();
      await consumer.stop();
      await redis.stop();
    }
    const logs = producer.output() + consumer.output();
    expect(logs).to.contain('"password":"[redacted]"');
    expect(logs).not.to.contain(PASSWORD);
    expect(logs).not.to.contain(TEST_TOKEN);
  });

  it('answers 503 (not a hang, not a leak) when the password is wrong', async () => {
    const redis = await startRedisServer({ password: PASSWORD });
    const producer = await runProducer(baseEnv({ REDIS_URL: redis.url.replace(PASSWORD, 'wrong-password'), ENQUEUE_TIMEOUT_MS: '500' }));
    try {
      const res = await postJson(`${producer.url}/v1/messages`, message('p2'), TEST_TOKEN);
      expect(res.status).to.equal(503);
      expect(res.text).not.to.contain('password');
    } finally {
      await producer.close();
      await redis.stop();
    }
  });

  it('authenticates as an ACL user with REDIS_USERNAME', async () => {
    const redis = await startRedisServer();
    await redis.command('ACL', 'SETUSER', 'pushfanout', 'on', `>${PASSWORD}`, '~*', '&*', '+@all');
    const env = baseEnv({ REDIS_URL: redis.url, REDIS_USERNAME: 'pushfanout', REDIS_PASSWORD: PASSWORD, PUSH_PROXY_URL: proxy.url });
    const producer = await runProducer(env);
    const consumer = await runConsumer(env);
    try {
      expect((await postJson(`${producer.url}/v1/messages`, message('p3'), TEST_TOKEN)).status).to.equal(202);
      await waitFor(() => proxy.deliveries.size === 3, { timeoutMs: 10_000, description: 'three pushes' });
      const clients = String(await redis.command('CLIENT', 'LIST'));
      expect(clients).to.contain('user=pushfanout');
    } finally {
      await consumer.close(1000);
      await producer.close();
      await redis.stop();
    }
  });

  it('works on a password-protected cluster', async () => {
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 0, password: PASSWORD });
    const env = clusterEnv(cluster, { REDIS_PASSWORD: PASSWORD, PUSH_PROXY_URL: proxy.url, REDIS_WAIT_REPLICAS: '0' });
    const producer = await runProducer(env);
    const consumer = await runConsumer(env);
    try {
      expect((await postJson(`${producer.url}/v1/messages`, message('p4'), TEST_TOKEN)).status).to.equal(202);
      await waitFor(() => proxy.deliveries.size === 3, { timeoutMs: 10_000, description: 'three pushes' });
    } finally {
      await consumer.close(1000);
      await producer.close();
      await cluster.stop();
    }
  });
});
