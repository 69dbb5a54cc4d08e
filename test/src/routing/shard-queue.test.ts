/**
 * Issue 11, case 7: queue builds that time out while Redis is frozen must
 * leave nothing behind. A dropped queue's build may finish when Redis thaws;
 * its listener on the node's shared client (and the queue it holds) must not
 * stay there.
 */
import { expect } from 'chai';
import { startRedisServer, type RedisServerHandle } from '../../../scripts/support/redis-server';
import { silentLogger } from '../../../src/core/logger';
import { waitFor } from '../../../src/core/wait-for';
import { commandClient } from '../../../src/bee/queue-connections';
import { ShardSet } from '../../../src/routing/shard-set';
import { baseEnv, consumerConfig } from '../../support/env';

/** Long enough for two queue builds per shard to time out (each waits 2 x CONNECT_TIMEOUT_MS = 4 s). */
const FREEZE_MS = 9000;

describe('ShardQueue: builds that time out while Redis is frozen (real redis-server, SIGSTOP)', function () {
  this.timeout(60_000);
  let redis: RedisServerHandle;
  let shards: ShardSet | undefined;
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);

  beforeEach(async () => {
    redis = await startRedisServer();
    warnings.length = 0;
    process.on('warning', onWarning);
  });

  afterEach(async () => {
    process.off('warning', onWarning);
    process.kill(redis.pid, 'SIGCONT');
    await shards?.close(1000);
    await redis.stop();
  });

  it('leaves one error listener per live queue on the shared client, and no extra connection', async () => {
    const config = consumerConfig(baseEnv({ REDIS_URL: redis.url, QUEUE_SHARDS: '16' }));
    process.kill(redis.pid, 'SIGSTOP');
    const frozenUntil = Date.now() + FREEZE_MS;
    const s = ShardSet.create({ config, role: 'consumer', log: silentLogger() });
    shards = s;
    await waitFor(() => Date.now() >= frozenUntil, { timeoutMs: FREEZE_MS + 1000, description: 'the freeze to last' });
    process.kill(redis.pid, 'SIGCONT');

    await waitFor(() => s.queues.every((q) => q.node !== undefined), { timeoutMs: 15_000, description: 'every shard connected' });
    // A round trip on every shard: late 'ready' handlers of dropped builds have run by then.
    expect(await s.ping(2000)).to.equal(true);
    const queue = await s.get(0).acquire(Date.now() + 1000);
    const shared = commandClient(queue)!;
    const listeners = shared.listenerCount('error');
    // The interactive lane's 16 live queues plus the pool's own guard (each lane has its own shared client).
    console.log(`      error listeners on the shared client: ${listeners}`);
    expect(listeners).to.equal(17);
    expect(warnings.map((w) => w.name)).not.to.include('MaxListenersExceededWarning');

    // Connections, per lane: 1 shared + 16 blocking + 16 subscriber; the rest of timed-out builds are closed.
    const clients = String(await redis.command('CLIENT', 'LIST')).trim().split('\n').length - 1;
    await waitFor(async () => String(await redis.command('CLIENT', 'LIST')).trim().split('\n').length - 1 === 66, {
      timeoutMs: 5000,
      description: `66 service connections (had ${clients})`,
    });
  });
});
