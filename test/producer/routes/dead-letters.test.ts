import { expect } from 'chai';
import { waitFor } from '../../../src/core/wait-for';
import { type DeadLetter, deadLetterStoreFor } from '../../../src/deadletter/dead-letter-store';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { shardIndexFor } from '../../../src/routing/shard-index';
import { onShard } from '../../../src/routing/on-shard';
import type { Consumer } from '../../../consumer/consumer';
import { type StandInProxy, startStandInProxy } from '../../../scripts/support/stand-in-proxy';
import { baseEnv, producerConfig, SHARED_REDIS_URL, TEST_TOKEN } from '../../support/env';
import { postJson, request } from '../../support/http';
import { spawnService } from '../../support/processes';
import { countJobs, deadLetters, deletePrefix } from '../../support/redis';
import { runConsumer, runProducer, type RunningProducer } from '../../support/service';

describe('dead letters: list and replay through the API and the CLI (real Redis)', () => {
  let env: Record<string, string>;
  let producer: RunningProducer;
  let proxy: StandInProxy;
  let consumer: Consumer;
  let rejecting = true;
  /** The dead letters written by the first delivery, and the job id (= Idempotency-Key) of b's push. */
  let original: DeadLetter[];
  let keyOfB: string;
  const auth = { authorization: `Bearer ${TEST_TOKEN}` };

  beforeEach(async () => {
    rejecting = true;
    proxy = await startStandInProxy({
      reply: (push) => (rejecting && ['b', 'c'].includes(String(push.body['recipientId'])) ? { status: 410 } : { status: 200 }),
    });
    env = baseEnv({ PUSH_PROXY_URL: proxy.url });
    producer = await runProducer(env);
    consumer = await runConsumer(env);
    const body = { messageId: 'd1', roomId: 'r', senderId: 's', recipientIds: ['a', 'b', 'c', 'd'], notification: { body: 'x' } };
    expect((await postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN)).status).to.equal(202);
    await waitFor(async () => (await deadLetters(env)).length === 2, { timeoutMs: 10_000, description: 'two dead letters' });
    original = await deadLetters(env);
    keyOfB = `d1:${original[0]!.push.epoch!}:b`;
  });

  afterEach(async () => {
    await consumer.close(1000);
    await producer.close();
    await proxy.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  const list = (query = '') => request(`${producer.url}/v1/dead-letters${query}`, { headers: auth });
  const replay = (body: unknown) => postJson(`${producer.url}/v1/dead-letters/replay`, body, TEST_TOKEN);
  const status = async () => (await request(`${producer.url}/v1/messages/d1`, { headers: auth })).body;

  it('lists dead letters with their reason, status and attempts, filtered and bounded', async () => {
    const all = (await list()).body as { total: number; items: Array<Record<string, unknown>> };
    expect(all.total).to.equal(2);
    expect(all.items.map((i) => i['jobId']).sort()).to.deep.equal([keyOfB, keyOfB.replace(/:b$/, ':c')]);
    expect(all.items[0]).to.include({ reason: 'rejected', status: 410, attempts: 1 });
    expect(((await list('?messageId=other')).body as { total: number }).total).to.equal(0);
    expect(((await list('?reason=retries_exhausted')).body as { total: number }).total).to.equal(0);
    expect(((await list('?limit=1')).body as { items: unknown[] }).items).to.have.length(1);
    expect((await list('?limit=0')).status).to.equal(400);
    expect((await list('?colour=red')).status).to.equal(400);
    expect((await request(`${producer.url}/v1/dead-letters`)).status).to.equal(401);
  });

  it('replays by message id, and the pushes then count as delivered', async () => {
    expect((await replay({})).status).to.equal(400);
    expect(await status()).to.include({ delivered: 2, failed: 2, pending: 0 });
    rejecting = false;
    const res = await replay({ messageId: 'd1' });
    expect(res.body).to.deep.equal({ replayed: 2, skipped: 0, skippedJobIds: [] });
    await waitFor(() => proxy.deliveries.size === 4, { timeoutMs: 10_000, description: 'the replayed pushes' });
    await waitFor(async () => ((await status()) as { delivered: number }).delivered === 4, { timeoutMs: 5000, description: 'status' });
    expect(await status()).to.include({ accepted: 4, delivered: 4, failed: 0, pending: 0 });
    expect((await deadLetters(env)).length).to.equal(0);
  });

  it('sends nothing when a replayed push was delivered in the meantime', async () => {
    rejecting = false;
    await replay({ all: true });
    await waitFor(() => proxy.deliveries.get(keyOfB) === 1, { timeoutMs: 10_000, description: 'b delivered' });
    // A stale dead letter for b, in b's own shard, as if its failure had been recorded late.
    const config = producerConfig(env);
    const store = deadLetterStoreFor(config.retention, new QueueKeys(config.queue.prefix));
    const router = producer.shards.get(shardIndexFor('b', 4));
    const stale = { ...original.find((l) => l.jobId === keyOfB)!, failedAt: Date.now() };
    await onShard(router, Date.now() + 2000, (c) => store.add(c, router.shard, stale));
    const requestsBefore = proxy.requests;
    expect((await replay({ reason: 'rejected' })).body).to.deep.equal({ replayed: 1, skipped: 0, skippedJobIds: [] });
    await waitFor(async () => (await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4)).jobs === 0, {
      timeoutMs: 5000,
      description: 'the replayed job to be consumed',
    });
    expect(proxy.deliveries.get(keyOfB)).to.equal(1);
    expect(proxy.requests).to.equal(requestsBefore);
    expect(await status()).to.include({ delivered: 4, failed: 0 });
  });

  it('lists and replays from the CLI', async () => {
    const listing = spawnService('scripts/dlq.js', env, ['list', '--message-id', 'd1']);
    expect(await listing.exited).to.equal(0);
    expect((JSON.parse(listing.output()) as { total: number }).total).to.equal(2);
    rejecting = false;
    const replaying = spawnService('scripts/dlq.js', env, ['replay', '--reason', 'rejected']);
    expect(await replaying.exited).to.equal(0);
    expect(JSON.parse(replaying.output())).to.deep.equal({ replayed: 2, skipped: 0, skippedJobIds: [] });
    await waitFor(() => proxy.deliveries.size === 4, { timeoutMs: 10_000, description: 'replayed from the CLI' });
    const bad = spawnService('scripts/dlq.js', env, ['replay']);
    expect(await bad.exited).to.equal(2);
    expect(bad.output()).to.contain('all');
  });
});
