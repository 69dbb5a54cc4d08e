import { expect } from 'chai';
import { silentLogger } from '../../../src/core/logger';
import { waitFor } from '../../../src/core/wait-for';
import { jobJsonFactory } from '../../../src/bee/job-json';
import { groupByShard } from '../../../src/message/expand';
import { enqueuePushes } from '../../../src/intake/enqueue';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { ShardSet } from '../../../src/routing/shard-set';
import { retryOptions } from '../../../src/retry/retry-policy';
import { baseEnv, producerConfig, SHARED_REDIS_URL } from '../../support/env';
import { call, deletePrefix, withRedis } from '../../support/redis';

describe('enqueue: one failed intake (real Redis)', () => {
  const env = baseEnv({ QUEUE_SHARDS: '8' });
  const config = producerConfig(env);
  const keys = new QueueKeys(config.queue.prefix);
  const reroutes: string[] = [];
  let shards: ShardSet;

  before(async () => {
    shards = ShardSet.create({ config, role: 'producer', log: silentLogger(), onReroute: (shard, cause) => void reroutes.push(`${shard.index}:${cause}`) });
    await Promise.all(shards.queues.map((q) => q.acquire(Date.now() + 5000)));
  });

  after(async () => {
    await shards.close(1000);
    await deletePrefix(SHARED_REDIS_URL, config.queue.prefix);
  });

  it("answers 503 and leaves the other shards' routes alone when one shard's chunk fails", async () => {
    // Shard 0's jobs hash has the wrong type, so its chunks fail with WRONGTYPE: a command error, not a lost route.
    const broken = shards.get(0).shard;
    await withRedis(SHARED_REDIS_URL, (c) => call(c, 'SET', keys.beeKey(broken, 'jobs'), 'not a hash'));
    const recipients = Array.from({ length: 40_000 }, (_, i) => `u${i}`);
    const template = { messageId: 'm1', roomId: 'r', senderId: 's', notification: { body: 'b' }, acceptedAt: Date.now(), epoch: 'e1', recordExpiresAt: Date.now() + 60_000 };
    const policy = { keys, chunkSize: 1000, timeoutMs: 5000, retry: config.jobRetry, waitReplicas: 0, waitTimeoutMs: 500 };
    const failure = await enqueuePushes(shards, 'interactive', template, groupByShard(recipients, 8), policy).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).to.have.property('code', 'queue_unavailable');
    // The failed intake ends its leased connections; the chunks still pending on them fail as that happens.
    const node = { host: '127.0.0.1', port: 6379 };
    await waitFor(() => shards.intake.stats(node).open === 0, { timeoutMs: 5000, description: 'the leased connections ended' });
    // A round trip on every shard's own connection: any re-route those failures caused has been reported by then.
    expect(await shards.ping(2000)).to.equal(true);
    // Before: the intake ended its own connections under the other shards' chunks, and each of the 7 healthy shards re-routed.
    expect(reroutes).to.deep.equal([]);
    expect(shards.queues.every((q) => q.node !== undefined)).to.equal(true);
  });

  it('saves every chunk of a shard with its index in the group, byte for byte the JSON jobJsonFactory builds; a retry adds nothing', async () => {
    const recipients = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const groups = groupByShard(recipients, 8);
    const template = { messageId: 'm2', roomId: 'r', senderId: 's', notification: { body: 'b' }, acceptedAt: 1, epoch: 'e2', recordExpiresAt: 2 };
    const policy = { keys, chunkSize: 2, timeoutMs: 5000, retry: config.jobRetry, waitReplicas: 0, waitTimeoutMs: 500 };
    // The test above leaves shard 0's jobs hash broken on purpose.
    await withRedis(SHARED_REDIS_URL, (c) => call(c, 'DEL', keys.beeKey(shards.get(0).shard, 'jobs')));
    const before = Date.now();
    await enqueuePushes(shards, 'interactive', template, groups, policy);
    await enqueuePushes(shards, 'interactive', template, groups, policy);
    await withRedis(SHARED_REDIS_URL, async (c) => {
      for (const [index, group] of groups.entries()) {
        const shard = shards.lane('interactive')[index]!.shard;
        const stored = await call<Record<string, string> | null>(c, 'HGETALL', keys.beeKey(shard, 'jobs'));
        const jobs = Object.entries(stored ?? {}).filter(([id]) => id.startsWith('m2:e2:'));
        expect(jobs).to.have.length(group.length);
        const waiting = await call<string[]>(c, 'LRANGE', keys.beeKey(shard, 'waiting'), 0, -1);
        expect(waiting.filter((id) => id.startsWith('m2:e2:'))).to.have.length(group.length);
        for (const [id, json] of jobs) {
          const recipient = id.slice('m2:e2:'.length);
          const { timestamp } = JSON.parse(json).options as { timestamp: number };
          expect(timestamp).to.be.within(before, Date.now());
          const jsonFor = jobJsonFactory(template, { ...retryOptions(config.jobRetry), timestamp });
          expect(json).to.equal(jsonFor(recipient, group.indexOf(recipient)));
        }
      }
    });
  });
});
