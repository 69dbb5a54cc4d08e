/**
 * Issue 11, case 1: every way a reachable Redis refuses writes (full, failing
 * snapshots, too few replicas, a replica) makes intake answer 503 (nothing
 * was accepted; retry), never 500; readiness fails; the refusal is counted.
 */
import { expect } from 'chai';
import { startRedisServer, type RedisServerHandle } from '../../scripts/support/redis-server';
import { waitFor } from '../../src/core/wait-for';
import { baseEnv, TEST_TOKEN } from '../support/env';
import { postJson, request } from '../support/http';
import { runProducer, type RunningProducer } from '../support/service';

/** One way to make a running server refuse writes. */
interface Refusal {
  cause: string;
  args: string[];
  refuse(redis: RedisServerHandle, other: RedisServerHandle): Promise<unknown>;
}

const REFUSALS: Refusal[] = [
  { cause: 'oom', args: ['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction'], refuse: (r) => r.command('SETRANGE', 'filler', '100000000', 'x') },
  // Snapshots into /proc always fail; with a save point configured, Redis then stops taking writes.
  { cause: 'misconf', args: ['--save', '3600 1', '--dir', '/proc'], refuse: (r) => r.command('BGSAVE') },
  { cause: 'noreplicas', args: [], refuse: (r) => r.command('CONFIG', 'SET', 'min-replicas-to-write', '1') },
  { cause: 'readonly', args: [], refuse: (r, other) => r.command('REPLICAOF', other.host, String(other.port)) },
];

describe('intake while Redis refuses writes (real redis-server per cause)', function () {
  this.timeout(60_000);
  let redis: RedisServerHandle | undefined;
  let other: RedisServerHandle | undefined;
  let producer: RunningProducer | undefined;

  afterEach(async () => {
    await producer?.close();
    await redis?.stop();
    await other?.stop();
  });

  for (const refusal of REFUSALS) {
    it(`answers 503, fails /readyz and counts cause="${refusal.cause}"`, async () => {
      redis = await startRedisServer({ args: refusal.args });
      other = await startRedisServer();
      const p = await runProducer(baseEnv({ REDIS_URL: redis.url, ENQUEUE_TIMEOUT_MS: '1000' }));
      producer = p;
      let posts = 0;
      const post = () =>
        postJson(`${p.url}/v1/messages`, { messageId: `m${++posts}`, roomId: 'r', senderId: 's', recipientIds: ['a', 'b'], notification: { title: 'T', body: 'B' } }, TEST_TOKEN);
      await waitFor(async () => (await request(`${p.url}/readyz`)).status === 200, { timeoutMs: 10_000, description: 'producer ready' });

      await refusal.refuse(redis, other);
      // BGSAVE runs in a child; the refusal starts once it has failed.
      const persistence = async () => String(await redis!.command('INFO', 'persistence'));
      await waitFor(async () => refusal.cause !== 'misconf' || /rdb_last_bgsave_status:err/.test(await persistence()), {
        timeoutMs: 5000,
        description: 'the last snapshot to have failed',
      });
      const res = await post();
      console.log(`      ${refusal.cause}: intake ${res.status}`);
      expect(res.status).to.equal(503);
      expect((res.body as { error: string }).error).to.equal('queue_unavailable');
      expect(res.text).not.to.match(/OOM|MISCONF|NOREPLICAS|READONLY/);
      expect((await request(`${p.url}/readyz`)).status).to.equal(503);
      const metrics = (await request(`${p.url}/metrics`)).text;
      expect(metrics).to.match(new RegExp(`push_fanout_redis_write_refusals_total\\{cause="${refusal.cause}"\\} [1-9]`));
    });
  }
});
