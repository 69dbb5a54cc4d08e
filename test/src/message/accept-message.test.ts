import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { silentLogger } from '../../../src/core/logger';
import { acceptMessage } from '../../../src/message/accept-message';
import { type Claim, MessageRecords } from '../../../src/message/message-records';
import type { MessageRequest } from '../../../src/message/message-schema';
import type { Shard } from '../../../src/queue/shards';
import { ShardSet } from '../../../src/routing/shard-set';
import { waitFor } from '../../../src/core/wait-for';
import { QueueKeys } from '../../../src/queue/queue-keys';
import type { Consumer } from '../../../consumer/consumer';
import { type StandInProxy, startStandInProxy } from '../../../scripts/support/stand-in-proxy';
import { baseEnv, producerConfig, SHARED_REDIS_URL, TEST_TOKEN } from '../../support/env';
import { postJson, request } from '../../support/http';
import { call, deletePrefix, withRedis } from '../../support/redis';
import { runConsumer, runProducer, type RunningProducer } from '../../support/service';

/**
 * The idempotency window, shortened through the config objects the services
 * run on (the environment allows no less than 60 s): the records, markers and
 * counters really expire in Redis, just sooner.
 */
const TTL_SECONDS = 3;

describe('a message id reused after the idempotency window (real Redis, real HTTP proxy)', () => {
  let env: Record<string, string>;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer;
  /** How the proxy answers pushes until the id is posted again; after that, 200 at once. */
  let firstReply: { status: number; delayMs?: number };
  let reposted: boolean;
  const recipients = ['ann', 'bob'];
  const body = { messageId: 'reuse', roomId: 'r', senderId: 's', recipientIds: recipients, notification: { body: 'x' } };

  beforeEach(async () => {
    reposted = false;
    proxy = await startStandInProxy({ reply: () => (reposted ? { status: 200 } : firstReply) });
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, PUSH_RETRIES: '0', JOB_BACKOFF_MS: '60000' });
    const shorten = (c: { retention: { idempotencyTtlSeconds: number } }): void => void (c.retention.idempotencyTtlSeconds = TTL_SECONDS);
    producer = await runProducer(env, undefined, shorten);
    consumer = await runConsumer(env, undefined, shorten);
  });

  afterEach(async () => {
    await consumer.close(1000);
    await producer.close();
    await proxy.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  const post = () => postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN);
  const status = async () => (await request(`${producer.url}/v1/messages/reuse`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).body;
  const recordKey = () => new QueueKeys(env['QUEUE_PREFIX']!).messageKey(producer.shards.forKey('reuse').shard, 'reuse');

  /** Markers and counters of `reuse` that still exist, read key by key (EXISTS applies expiry). */
  async function liveMarkerKeys(): Promise<string[]> {
    return withRedis(SHARED_REDIS_URL, async (c) => {
      const live: string[] = [];
      for (const kind of ['out', 'stat']) {
        let cursor = '0';
        do {
          const [next, found] = await call<[string, string[]]>(c, 'SCAN', cursor, 'MATCH', `${env['QUEUE_PREFIX']}:*:${kind}:reuse*`, 'COUNT', 1000);
          for (const key of found) if ((await call<number>(c, 'EXISTS', key)) === 1) live.push(key);
          cursor = next;
        } while (cursor !== '0');
      }
      return live;
    });
  }

  const recordGone = () =>
    waitFor(async () => (await withRedis(SHARED_REDIS_URL, (c) => call<number>(c, 'EXISTS', recordKey()))) === 0, {
      timeoutMs: (TTL_SECONDS + 5) * 1000,
      description: 'the first message record to expire',
    });

  it('delivers a reused id as a new message once the first one delivered late has expired', async () => {
    // The first message's pushes are delivered 1.5 s late: their outcome is written halfway through the window.
    firstReply = { status: 200, delayMs: 1500 };
    const keysOfFirst = new Set<string>();
    expect((await post()).status).to.equal(202);
    await waitFor(() => proxy.delivered.length === 2, { timeoutMs: 5000, description: 'the first pushes to be delivered' });
    proxy.delivered.forEach((p) => keysOfFirst.add(p.idempotencyKey));
    await waitFor(async () => ((await status()) as { delivered?: number }).delivered === 2, { timeoutMs: 5000, description: 'first status' });
    await recordGone();
    const leftovers = await liveMarkerKeys();

    reposted = true;
    const again = await post();
    expect(again.status, 'a reused id after the window is a new message').to.equal(202);
    expect(again.body).to.deep.equal({ messageId: 'reuse', accepted: 2, lane: 'interactive' });
    const fresh = await waitFor(() => (proxy.delivered.length === 4 ? proxy.delivered.slice(2) : undefined), {
      timeoutMs: 10_000,
      description: 'the reused id to be delivered again',
    }).catch(() => []);
    const figures = `markers/counters alive when the record expired: ${leftovers.length}; pushes of the reused id delivered: ${fresh.length}`;
    process.stdout.write(`      ${figures}\n`);
    expect(leftovers, figures).to.deep.equal([]);
    expect(fresh.map((p) => p.body['recipientId']).sort()).to.deep.equal(recipients);
    for (const push of fresh) expect(keysOfFirst.has(push.idempotencyKey), `new key ${push.idempotencyKey}`).to.equal(false);
    await waitFor(async () => ((await status()) as { delivered?: number }).delivered === 2, { timeoutMs: 5000, description: 'new status' });
    expect(await status()).to.deep.equal({ messageId: 'reuse', lane: 'interactive', accepted: 2, delivered: 2, failed: 0, expired: 0, collapsed: 0, pending: 0 });
  });

  it('is not skipped because a push of the first message is still waiting for a retry', async () => {
    // The first message's pushes fail and wait 30-60 s (JOB_BACKOFF_MS) for their retry, longer than the window.
    firstReply = { status: 503 };
    expect((await post()).status).to.equal(202);
    await waitFor(() => proxy.requests === 2, { timeoutMs: 5000, description: 'the first pushes to fail once' });
    await recordGone();
    const oldJobs = await withRedis(SHARED_REDIS_URL, async (c) => {
      const keys = new QueueKeys(env['QUEUE_PREFIX']!);
      let n = 0;
      for (const q of producer.shards.queues) n += await call<number>(c, 'ZCARD', keys.beeKey(q.shard, 'delayed'));
      return n;
    });
    expect(oldJobs, 'the first pushes still wait for their retry').to.equal(2);

    reposted = true;
    expect((await post()).status).to.equal(202);
    const fresh = await waitFor(() => (proxy.delivered.length === 2 ? proxy.delivered : undefined), {
      timeoutMs: 10_000,
      description: 'the reused id to be delivered while the old pushes still wait',
    }).catch(() => []);
    process.stdout.write(`      pushes of the reused id delivered while the old ones wait: ${fresh.length}\n`);
    expect(fresh.map((p) => p.body['recipientId']).sort()).to.deep.equal(recipients);
    await waitFor(async () => ((await status()) as { delivered?: number }).delivered === 2, { timeoutMs: 5000, description: 'new status' });
    expect(await status()).to.deep.equal({ messageId: 'reuse', lane: 'interactive', accepted: 2, delivered: 2, failed: 0, expired: 0, collapsed: 0, pending: 0 });
  });
});

/** Message records whose first claim is lost right after it is made, as a master's failover before its replica had it would lose it. */
class FailoverAfterClaim extends MessageRecords {
  lost = 0;
  constructor(private readonly k: QueueKeys) {
    super(k);
  }
  override async claim(client: RedisClient, shard: Shard, messageId: string, claimant: Parameters<MessageRecords['claim']>[3]): Promise<Claim> {
    const claim = await super.claim(client, shard, messageId, claimant);
    if (this.lost === 0 && claim.kind === 'claimed') {
      this.lost += 1;
      await call(client, 'DEL', this.k.messageKey(shard, messageId));
    }
    return claim;
  }
}

describe('a message claim lost to a failover before the intake WAITs (real Redis)', () => {
  const env = baseEnv({ QUEUE_SHARDS: '4' });
  const config = producerConfig(env);
  const keys = new QueueKeys(config.queue.prefix);
  const recipients = Array.from({ length: 30 }, (_, i) => `r${i}`);
  const message = { messageId: 'failover', roomId: 'room', senderId: 's', recipientIds: recipients, notification: { body: 'x' } } as MessageRequest;
  let shards: ShardSet;

  before(async () => {
    shards = ShardSet.create({ config, role: 'producer', log: silentLogger() });
    await Promise.all(shards.queues.map((q) => q.acquire(Date.now() + 5000)));
  });

  after(async () => {
    await shards.close(1000);
    await deletePrefix(SHARED_REDIS_URL, config.queue.prefix);
  });

  /** Job ids of the message over every shard. */
  const jobIds = () =>
    withRedis(SHARED_REDIS_URL, async (c) => {
      const ids: string[] = [];
      for (const q of shards.queues) ids.push(...(await call<string[]>(c, 'HKEYS', keys.beeKey(q.shard, 'jobs'))).filter((id) => id.startsWith('failover:')));
      return ids.sort();
    });

  it('restores the claim with its epoch, so the intake completes and a repeat queues nothing twice', async () => {
    const records = new FailoverAfterClaim(keys);
    const policy = { keys, chunkSize: 1000, timeoutMs: 5000, retry: config.jobRetry, waitReplicas: 0, waitTimeoutMs: 500 };
    const deps = { shards, records, policy, idempotencyTtlSeconds: 60, bulkMinRecipients: 1000 };
    // Before: the claim was gone when the intake completed, so it answered 503; the repeat then claimed a new epoch
    // and queued all 30 pushes again under new ids, which no marker and no proxy could tell from new pushes.
    expect(await acceptMessage(deps, message)).to.deep.equal({ messageId: 'failover', accepted: 30, lane: 'interactive' });
    expect(records.lost).to.equal(1);
    const ids = await jobIds();
    expect(ids).to.have.length(30);
    const epoch = ids[0]!.split(':')[1];
    const record = await withRedis(SHARED_REDIS_URL, (c) => records.read(c, shards.forKey('failover').shard, 'failover'));
    expect(record).to.include({ state: 'accepted', accepted: 30, epoch });

    expect(await acceptMessage(deps, message)).to.deep.equal({ messageId: 'failover', accepted: 30, lane: 'interactive', duplicate: true });
    expect(await jobIds()).to.deep.equal(ids);
  });
});
