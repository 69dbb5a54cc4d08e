import { expect } from 'chai';
import { waitFor } from '../../../src/core/wait-for';
import { listFingerprint } from '../../../src/core/hash';
import { MessageRecords } from '../../../src/message/message-records';
import { groupByShard } from '../../../src/message/expand';
import { pushTemplate } from '../../../src/message/push-template';
import { enqueuePushes } from '../../../src/intake/enqueue';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { shardIndexFor } from '../../../src/routing/shard-index';
import { onShard } from '../../../src/routing/on-shard';
import type { Consumer } from '../../../consumer/consumer';
import { type ProxyReply, type StandInProxy, startStandInProxy } from '../../../scripts/support/stand-in-proxy';
import { baseEnv, producerConfig, SHARED_REDIS_URL, TEST_TOKEN } from '../../support/env';
import { postJson, request } from '../../support/http';
import { call, countJobs, withRedis } from '../../support/redis';
import { runConsumer, runProducer, type RunningProducer, stopTestService } from '../../support/service';

const RECIPIENTS = ['a', 'b', 'c', 'd', 'e', 'f'];
const message = (id: string, extra: Record<string, unknown> = {}) => ({
  messageId: id,
  roomId: 'r',
  senderId: 's',
  recipientIds: RECIPIENTS,
  notification: { body: 'hi' },
  ...extra,
});

describe('messages: idempotent intake and status (real Redis)', () => {
  let env: Record<string, string>;
  let producer: RunningProducer;
  let proxy: StandInProxy;
  let consumer: Consumer | undefined;
  let reply: (recipientId: string) => ProxyReply;

  beforeEach(async () => {
    reply = () => ({ status: 200 });
    proxy = await startStandInProxy({ reply: (push) => reply(String(push.body['recipientId'])) });
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, PUSH_RETRIES: '0', JOB_RETRIES: '0' });
    producer = await runProducer(env);
  });

  afterEach(async () => {
    await stopTestService({ consumer, producer, proxy, env });
    consumer = undefined;
  });

  const post = (body: unknown) => postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN);
  const status = (id: string) =>
    request(`${producer.url}/v1/messages/${id}`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });

  it('answers a repeat with 200, the original count and duplicate: true, and enqueues nothing new', async () => {
    expect((await post(message('m1'))).status).to.equal(202);
    const again = await post(message('m1', { recipientIds: ['x', 'y'] }));
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal({ messageId: 'm1', accepted: 6, lane: 'interactive', duplicate: true });
    expect((await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4)).jobs).to.equal(6);
  });

  it('accepts concurrent posts of one id exactly once', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(message('m2'))));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).to.deep.equal([200, 200, 200, 200, 200, 200, 200, 200, 200, 202]);
    expect((await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4)).jobs).to.equal(6);
  });

  /**
   * Simulates a producer that claimed `id` (with `fingerprint`, or as a version without
   * fingerprints when undefined), enqueued the pushes of `recipients` and crashed.
   */
  async function crashedIntake(id: string, recipients: readonly string[], fingerprint: string | undefined): Promise<void> {
    const config = producerConfig(env);
    const keys = new QueueKeys(config.queue.prefix);
    const home = producer.shards.get(shardIndexFor(id, 4));
    const records = new MessageRecords(keys);
    const claimant = { owner: 'crashed-owner', leaseMs: 1, ttlSeconds: 3600, fingerprint: fingerprint ?? '' };
    const claim = await onShard(home, Date.now() + 2000, (c) => records.claim(c, home.shard, id, claimant));
    if (claim.kind !== 'claimed') throw new Error(`expected a claim, got ${claim.kind}`);
    // An older version's record has no fingerprint; its pushes no index.
    if (fingerprint === undefined) await withRedis(SHARED_REDIS_URL, (c) => call(c, 'HDEL', keys.messageKey(home.shard, id), 'fingerprint'));
    // The crashed intake's pushes carry its acceptance's epoch, as acceptMessage writes them; the retry must reuse it.
    const half = { ...pushTemplate(validMessage(id), Date.now()), epoch: claim.epoch, recordExpiresAt: claim.expiresAt };
    const policy = { keys, chunkSize: 100, timeoutMs: 2000, retry: config.jobRetry, waitReplicas: 0, waitTimeoutMs: 1 };
    await enqueuePushes(producer.shards, 'interactive', half, groupByShard(recipients, 4), policy, { indexed: fingerprint !== undefined });
  }

  /** Keys of `id`'s markers: `out` (legacy hash) or `outb` (bitfield). */
  const markerKeys = (id: string, kind: 'out' | 'outb') =>
    withRedis(SHARED_REDIS_URL, async (c) => (await call<[string, string[]]>(c, 'SCAN', 0, 'MATCH', `${env['QUEUE_PREFIX']}:*:${kind}:${id}:*`, 'COUNT', 100_000))[1]);

  it('lets a retry finish an intake that died midway, without pushing anyone twice (same marker slots)', async () => {
    // The crash came after the first half's chunks: each shard group's prefix, so the same slots.
    await crashedIntake('m3', RECIPIENTS.slice(0, 3), listFingerprint(RECIPIENTS));
    consumer = await runConsumer(env);
    await waitFor(() => proxy.deliveries.size === 3, { timeoutMs: 10_000, description: 'the first half delivered' });

    const retry = await post(message('m3'));
    expect(retry.status).to.equal(202);
    expect(retry.body).to.deep.equal({ messageId: 'm3', accepted: 6, lane: 'interactive' });
    await waitFor(async () => ((await status('m3')).body as { pending: number }).pending === 0, {
      timeoutMs: 10_000,
      description: 'every push of m3 handled',
    });
    expect([...proxy.deliveries.values()]).to.deep.equal([1, 1, 1, 1, 1, 1]);
    expect((await status('m3')).body).to.deep.include({ delivered: 6, pending: 0 });
    expect(await markerKeys('m3', 'out'), 'no legacy hash markers').to.deep.equal([]);
    expect((await markerKeys('m3', 'outb')).length, 'bitfield markers').to.be.greaterThan(0);
  });

  it('refuses with 409 naming recipientIds a retry of a died intake with other recipients, and enqueues nothing', async () => {
    await crashedIntake('m8', RECIPIENTS.slice(0, 3), listFingerprint(RECIPIENTS));
    const before = await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4);
    for (const recipientIds of [[...RECIPIENTS, 'g'], [...RECIPIENTS].reverse(), RECIPIENTS.slice(1)]) {
      const retry = await post(message('m8', { recipientIds }));
      expect(retry.status, recipientIds.join()).to.equal(409);
      expect(retry.body).to.deep.include({ error: 'recipients_changed', message: 'a retry of messageId m8 must carry the same recipients' });
      expect((retry.body as { details: { path: string }[] }).details.map((d) => d.path)).to.deep.equal(['recipientIds']);
    }
    expect(await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4)).to.deep.equal(before);
    // The sender and repeats are not recipients: the same unique list is the same message.
    const same = await post(message('m8', { recipientIds: ['s', ...RECIPIENTS, 'a'] }));
    expect(same.status).to.equal(202);
    expect((await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4)).jobs).to.equal(6);
  });

  it('finishes an intake begun by a version without fingerprints with unindexed pushes, pushing no one twice', async () => {
    await crashedIntake('m9', RECIPIENTS.slice(0, 3), undefined);
    consumer = await runConsumer(env);
    await waitFor(() => proxy.deliveries.size === 3, { timeoutMs: 10_000, description: 'the first half delivered' });
    // No check against a record without a fingerprint, and the rest keep the legacy markers too.
    expect((await post(message('m9'))).status).to.equal(202);
    await waitFor(async () => ((await status('m9')).body as { pending: number }).pending === 0, { timeoutMs: 10_000, description: 'every push of m9 handled' });
    expect([...proxy.deliveries.values()]).to.deep.equal([1, 1, 1, 1, 1, 1]);
    expect(await markerKeys('m9', 'outb')).to.deep.equal([]);
    expect((await markerKeys('m9', 'out')).length).to.be.greaterThan(0);
  });

  it('reports exact status counts, and 404 for an unknown id', async () => {
    reply = (recipientId) => (recipientId === 'b' || recipientId === 'c' ? { status: 410 } : { status: 200 });
    expect((await post(message('m4'))).status).to.equal(202);
    expect((await status('m4')).body).to.deep.equal({ messageId: 'm4', lane: 'interactive', accepted: 6, delivered: 0, failed: 0, expired: 0, collapsed: 0, pending: 6 });
    consumer = await runConsumer(env);
    await waitFor(async () => ((await status('m4')).body as { pending: number }).pending === 0, {
      timeoutMs: 10_000,
      description: 'every push handled',
    });
    expect((await status('m4')).body).to.deep.equal({ messageId: 'm4', lane: 'interactive', accepted: 6, delivered: 4, failed: 2, expired: 0, collapsed: 0, pending: 0 });
    expect((await status('nope')).status).to.equal(404);
    expect((await status('bad:id')).status).to.equal(400);
  });

  it('answers 400 naming the field, not 500, for data nested 5,000 levels deep', async () => {
    // Built as text: the body is what a hostile client sends, not something JSON.stringify could make safely.
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const body = JSON.stringify(message('m7')).replace(/}$/, `,"data":{"x":${deep}}}`);
    const res = await request(`${producer.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` },
      body,
    });
    expect(res.status).to.equal(400);
    expect(res.body).to.deep.include({ details: [{ path: 'data', message: 'is nested more than 32 levels deep' }] });
  });

  it('holds a message with sendAt until it is due', async () => {
    const sendAt = new Date(Date.now() + 1500).toISOString();
    expect((await post(message('m5', { sendAt }))).status).to.equal(202);
    expect(await countJobs(SHARED_REDIS_URL, env['QUEUE_PREFIX']!, 4)).to.include({ delayed: 6, waiting: 0 });
    consumer = await runConsumer(env);
    await waitFor(() => proxy.delivered.length === 6, { timeoutMs: 10_000, description: 'the scheduled pushes' });
    for (const push of proxy.delivered) expect(push.receivedAt).to.be.at.least(Date.parse(sendAt));
    const far = new Date(Date.now() + 31 * 86_400_000).toISOString();
    expect((await post(message('m6', { sendAt: far }))).status).to.equal(400);
  });
});

function validMessage(id: string) {
  return { ...message(id), notification: { body: 'hi' } } as Parameters<typeof pushTemplate>[0];
}
