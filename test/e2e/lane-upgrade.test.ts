import { expect } from 'chai';
import BeeQueue = require('bee-queue');
import { waitFor } from '../../src/core/wait-for';
import { shardIndexFor } from '../../src/routing/shard-index';
import type { Consumer } from '../../consumer/consumer';
import { type StandInProxy, startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { postJson, request } from '../support/http';
import { call, countJobs, deletePrefix, withRedis } from '../support/redis';
import { runConsumer, runProducer, type RunningProducer } from '../support/service';

/**
 * The queue names a 4-shard deployment used before lanes existed, written
 * out rather than computed, so that a change to the naming code cannot make
 * this test agree with itself.
 */
const PRE_LANES_QUEUES = ['{s0of4.51}', '{s1of4.22}', '{s2of4.51}', '{s3of4.22}'];
const MESSAGE = 'legacy-1';
const RECIPIENTS = Array.from({ length: 40 }, (_, i) => `old-user-${i}`);

/**
 * Writes what the previous version left in Redis: per-recipient jobs in
 * Bee-Queue's own format (saved by a plain Bee-Queue, no project code) on
 * the pre-lanes queue names, with the job data of that version (no lane),
 * and the message record of that version (no lane field).
 */
async function writePreLanesBacklog(prefix: string): Promise<void> {
  const now = Date.now();
  for (const [index, name] of PRE_LANES_QUEUES.entries()) {
    const queue = new BeeQueue(name, { prefix, redis: { url: SHARED_REDIS_URL }, isWorker: false, getEvents: false, sendEvents: false, storeJobs: false });
    const mine = RECIPIENTS.filter((r) => shardIndexFor(r, 4) === index);
    const jobs = mine.map((recipientId) =>
      queue
        .createJob({ messageId: MESSAGE, roomId: 'room', senderId: 'old-sender', recipientId, notification: { body: 'from before the upgrade' }, acceptedAt: now })
        .setId(`${MESSAGE}:${recipientId}`)
        .retries(3),
    );
    const errors = await queue.saveAll(jobs);
    expect(errors.size).to.equal(0);
    await queue.close();
  }
  const home = PRE_LANES_QUEUES[shardIndexFor(MESSAGE, 4)]!;
  await withRedis(SHARED_REDIS_URL, (c) =>
    call(c, 'HSET', `${prefix}:${home}:msg:${MESSAGE}`, 'state', 'accepted', 'accepted', RECIPIENTS.length, 'acceptedAt', now),
  );
}

describe('upgrade to lanes with a backlog written by the previous version', function () {
  this.timeout(30_000);
  let env: Record<string, string>;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer | undefined;

  before(async () => {
    env = baseEnv();
    await writePreLanesBacklog(env['QUEUE_PREFIX']!);
    proxy = await startStandInProxy();
    Object.assign(env, { PUSH_PROXY_URL: proxy.url });
    producer = await runProducer(env);
  });

  after(async () => {
    await consumer?.close(1000);
    await producer?.close();
    await proxy?.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  it('delivers every push of the old backlog, and reports its status in the interactive lane', async () => {
    expect((await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4, 'interactive')).waiting).to.equal(RECIPIENTS.length);
    consumer = await runConsumer(env);
    await waitFor(() => proxy.deliveries.size === RECIPIENTS.length, { timeoutMs: 15_000, description: 'the old backlog delivered' });
    expect([...proxy.deliveries.values()].every((n) => n === 1)).to.equal(true);
    const status = await request(`${producer.url}/v1/messages/${MESSAGE}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(status.body).to.deep.equal({ messageId: MESSAGE, lane: 'interactive', accepted: 40, delivered: 40, failed: 0, expired: 0, collapsed: 0, pending: 0 });
    // A repeat of the old id is still a duplicate, answered from the old record.
    const again = await postJson(`${producer.url}/v1/messages`, { messageId: MESSAGE, roomId: 'room', senderId: 'old-sender', recipientIds: RECIPIENTS, notification: { body: 'x' } }, TEST_TOKEN);
    expect(again.status).to.equal(200);
  });

  it('leaves nothing in queue names that nobody consumes', async () => {
    const keys = await withRedis(SHARED_REDIS_URL, (c) => call<string[]>(c, 'KEYS', `${env['QUEUE_PREFIX']}:*`));
    const consumed = new Set(consumer!.shards.queues.map((q) => q.shard.queueName));
    const stranded = keys.filter((k) => !consumed.has(k.slice(k.indexOf('{'), k.indexOf('}') + 1)));
    expect(stranded).to.deep.equal([]);
    const left = await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4);
    expect(left.waiting + left.active + left.delayed).to.equal(0);
  });
});
