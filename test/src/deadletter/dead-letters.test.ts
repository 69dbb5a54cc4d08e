import { expect } from 'chai';
import { waitFor } from '../../../src/core/wait-for';
import { findFreePort } from '../../../scripts/support/free-port';
import { getStatus } from '../../../scripts/support/http-probe';
import { type DeadLetter, deadLetterStoreFor } from '../../../src/deadletter/dead-letter-store';
import { addJobs } from '../../../src/bee/bulk-writer';
import { jobJsonFactory } from '../../../src/bee/job-json';
import { DeliveryMarkers } from '../../../src/delivery/delivery-markers';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { shardIndexFor } from '../../../src/routing/shard-index';
import { onShard } from '../../../src/routing/on-shard';
import { type StandInProxy, startStandInProxy } from '../../../scripts/support/stand-in-proxy';
import { baseEnv, producerConfig, SHARED_REDIS_URL, TEST_TOKEN } from '../../support/env';
import { postJson, request } from '../../support/http';
import { type ServiceProcess, spawnService } from '../../support/processes';
import { countJobs, deadLetters, deletePrefix } from '../../support/redis';
import { runProducer, type RunningProducer } from '../../support/service';

const SHARDS = 4;

/** No job left in any queue structure. */
function drained(c: { jobs: number; waiting: number; active: number; delayed: number }): boolean {
  return c.jobs + c.waiting + c.active + c.delayed === 0;
}

describe('dead-letter replay removes exactly what it re-enqueued (real Redis, real HTTP proxy)', () => {
  let env: Record<string, string>;
  let producer: RunningProducer;
  let proxy: StandInProxy;
  let consumer: ServiceProcess | undefined;
  /** Called on each request the proxy gets, before it answers. */
  let onRequest: (() => void) | undefined;

  beforeEach(async () => {
    // The proxy rejects every push for good: each replayed push comes straight back as a new dead letter.
    onRequest = undefined;
    proxy = await startStandInProxy({ reply: () => (onRequest?.(), { status: 410 }), countOnly: true });
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, QUEUE_SHARDS: String(SHARDS), METRICS_PORT: String(await findFreePort()), CONSUMER_CONCURRENCY: '200', ENQUEUE_TIMEOUT_MS: '30000' });
    producer = await runProducer(env);
  });

  afterEach(async () => {
    await consumer?.stop('SIGKILL');
    consumer = undefined;
    await producer.close();
    await proxy.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  /** Stores one dead letter per recipient, each in its recipient's shard, as the consumer would. */
  async function storeLetters(messageId: string, recipients: string[], spacingMs = 0, extra: (i: number) => Record<string, unknown> = () => ({})): Promise<void> {
    const config = producerConfig(env);
    const store = deadLetterStoreFor(config.retention, new QueueKeys(config.queue.prefix));
    const now = Date.now();
    for (let start = 0; start < recipients.length; start += 500) {
      await Promise.all(
        recipients.slice(start, start + 500).map((recipientId, i) => {
          const router = producer.shards.get(shardIndexFor(recipientId, SHARDS));
          const push = { messageId, roomId: 'r', senderId: 's', recipientId, notification: { body: 'x' }, acceptedAt: now, ...extra(start + i) };
          const letter: DeadLetter = {
            jobId: `${messageId}:${recipientId}`,
            shard: router.shard.index,
            reason: 'rejected',
            status: 410,
            error: 'gone',
            attempts: 1,
            failedAt: now + (start + i) * spacingMs,
            push,
          };
          return onShard(router, Date.now() + 10_000, (c) => store.add(c, router.shard, letter));
        }),
      );
    }
  }

  it('keeps every letter written while the replaying process is frozen (SIGSTOP) mid-replay', async function () {
    this.timeout(120_000);
    const recipients = Array.from({ length: 10_000 }, (_, i) => `u${i}`);
    await storeLetters('rp', recipients);
    consumer = spawnService('consumer/main.js', env);
    await waitFor(async () => (await getStatus(`http://127.0.0.1:${env['METRICS_PORT']}/readyz`)) === 200, { timeoutMs: 15_000, description: 'the consumer to be ready' });
    // The replay runs in the CLI. At the first replayed push the proxy sees, the CLI is frozen, so every
    // push it has re-enqueued so far fails again and is re-lettered before the CLI takes its next step.
    const cli = spawnService('scripts/dlq.js', env, ['replay', '--all']);
    let frozen = false;
    onRequest = () => {
      if (frozen) return;
      frozen = true;
      cli.child.kill('SIGSTOP');
    };
    try {
      await waitFor(async () => frozen && drained(await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, SHARDS)), {
        timeoutMs: 60_000,
        description: 'every push re-enqueued before the freeze to be rejected again',
      });
    } finally {
      cli.child.kill('SIGCONT');
    }
    const lettersWhileFrozen = proxy.requests;
    expect(await cli.exited, cli.output()).to.equal(0);
    const result = JSON.parse(cli.output()) as { replayed: number };
    await waitFor(async () => drained(await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, SHARDS)) && proxy.requests >= result.replayed, {
      timeoutMs: 60_000,
      description: 'every replayed push to be rejected again',
    });
    const letters = await deadLetters(env);
    process.stdout.write(
      `      frozen replay of 10000 letters: ${lettersWhileFrozen} pushes rejected during the freeze, ${result.replayed} replayed, ${proxy.requests} sent, ${letters.length} letters left\n`,
    );
    expect(new Set(letters.map((l) => l.push.recipientId)).size, 'recipients with a dead letter').to.equal(10_000);
  });

  it('replays a letter with its push index, so the replayed job reads the same marker slot', async function () {
    this.timeout(60_000);
    // Two pushes of one shard group, slots 4 and 5; slot 5 was delivered since (say, by an earlier replay).
    const [first, second] = Array.from({ length: 200 }, (_, i) => `x${i}`).filter((r) => shardIndexFor(r, SHARDS) === 0);
    if (!first || !second) throw new Error('two recipients of shard 0');
    const recordExpiresAt = Date.now() + 600_000;
    await storeLetters('ix', [first, second], 0, (i) => ({ epoch: 'e1', recordExpiresAt, index: 4 + i }));
    const router = producer.shards.get(0);
    const markers = new DeliveryMarkers(new QueueKeys(env['QUEUE_PREFIX']!), 60);
    const pushOf = (recipientId: string, index: number) => ({ messageId: 'ix', recipientId, epoch: 'e1', recordExpiresAt, index });
    await onShard(router, Date.now() + 5000, (c) => markers.record(c, router.shard, pushOf(second, 5), 'delivered'));
    const res = await postJson(`${producer.url}/v1/dead-letters/replay`, { messageId: 'ix' }, TEST_TOKEN);
    expect(res.body).to.deep.include({ replayed: 2 });
    consumer = spawnService('consumer/main.js', env);
    await waitFor(async () => drained(await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, SHARDS)), { timeoutMs: 30_000, description: 'both replayed jobs handled' });
    expect(proxy.requests, 'only the push whose slot is empty is sent').to.equal(1);
    const letters = await deadLetters(env);
    expect(letters.map((l) => [l.push.recipientId, l.push.index])).to.deep.equal([[first, 4]]);
    expect(await onShard(router, Date.now() + 5000, (c) => markers.outcomeOf(c, router.shard, pushOf(first, 4)))).to.equal('failed');
  });

  it('lists the newest matches and their count from a store many pages long', async () => {
    await storeLetters('many', Array.from({ length: 1500 }, (_, i) => `m${i}`), 1);
    await storeLetters('other', Array.from({ length: 300 }, (_, i) => `o${i}`));
    const res = await request(`${producer.url}/v1/dead-letters?messageId=many&limit=10`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    const page = res.body as { total: number; items: DeadLetter[] };
    expect(page.total).to.equal(1500);
    expect(page.items.map((l) => l.push.recipientId)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `m${1499 - i}`));
  });

  it('keeps and reports a letter whose job id is still queued, from the API and the CLI', async () => {
    await storeLetters('busy', ['a', 'b']);
    // A job with b's id is still waiting (say, from an earlier replay): saving over it would be refused.
    const router = producer.shards.get(shardIndexFor('b', SHARDS));
    const json = jobJsonFactory({ messageId: 'busy', roomId: 'r', senderId: 's', notification: { body: 'x' }, acceptedAt: Date.now() }, {});
    await onShard(router, Date.now() + 5000, (c) => addJobs(c, new QueueKeys(env['QUEUE_PREFIX']!).beeKeys(router.shard), [{ id: 'busy:b', json: json('b') }], Date.now() + 3_600_000));
    const res = await postJson(`${producer.url}/v1/dead-letters/replay`, { messageId: 'busy' }, TEST_TOKEN);
    expect(res.body).to.deep.equal({ replayed: 1, skipped: 1, skippedJobIds: ['busy:b'] });
    expect((await deadLetters(env)).map((l) => l.jobId)).to.deep.equal(['busy:b']);
    const cli = spawnService('scripts/dlq.js', env, ['replay', '--message-id', 'busy']);
    expect(await cli.exited).to.equal(0);
    expect(JSON.parse(cli.output())).to.deep.equal({ replayed: 0, skipped: 1, skippedJobIds: ['busy:b'] });
    expect((await deadLetters(env)).map((l) => l.jobId)).to.deep.equal(['busy:b']);
  });
});
