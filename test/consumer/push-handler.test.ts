import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { QueueKeys } from '../../src/queue/queue-keys';
import { shardIndexFor } from '../../src/routing/shard-index';
import { buildShards } from '../../src/queue/shards';
import type { Consumer } from '../../consumer/consumer';
import { type StandInProxy, startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { postJson } from '../support/http';
import { call, deadLetters, deletePrefix, withRedis } from '../support/redis';
import { runConsumer, runProducer, type RunningProducer } from '../support/service';

describe('push handler: a failing job stays small (real Redis, real HTTP proxy)', () => {
  let env: Record<string, string>;
  let proxy: StandInProxy;
  let producer: RunningProducer;
  let consumer: Consumer | undefined;
  /** Runs whose answer the proxy holds back, so the job's stored JSON can be read while it runs. */
  const held = new Set([6, 11]);

  beforeEach(async () => {
    proxy = await startStandInProxy({ reply: (_, attempt) => ({ status: 503, ...(held.has(attempt) ? { delayMs: 1500 } : {}) }) });
    // One HTTP request per run (no in-attempt retries); 12 runs in all, retried within milliseconds.
    env = baseEnv({ PUSH_PROXY_URL: proxy.url, PUSH_RETRIES: '0', JOB_RETRIES: '11', JOB_BACKOFF_MS: '1', JOB_BACKOFF_MAX_MS: '20' });
    producer = await runProducer(env);
  });

  afterEach(async () => {
    await consumer?.close(1000);
    await producer.close();
    await proxy.close();
    await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
  });

  /** Bytes of the one job's stored JSON in its shard's jobs hash. */
  const storedBytes = (): Promise<number> => {
    const shard = buildShards(4)[shardIndexFor('bob', 4)]!;
    const jobs = new QueueKeys(env['QUEUE_PREFIX']!).beeKey(shard, 'jobs');
    return withRedis(SHARED_REDIS_URL, async (c) => {
      const ids = await call<string[]>(c, 'HKEYS', jobs);
      expect(ids).to.have.length(1);
      return call<number>(c, 'HSTRLEN', jobs, ids[0]!);
    });
  };

  it('keeps a job bounded however often it fails, and still counts its attempts', async () => {
    const body = { messageId: 'grow', roomId: 'r', senderId: 's', recipientIds: ['bob'], notification: { body: 'x' } };
    expect((await postJson(`${producer.url}/v1/messages`, body, TEST_TOKEN)).status).to.equal(202);
    const fresh = await storedBytes();
    consumer = await runConsumer(env);
    // While run n+1 waits on the proxy, the stored job is the one written after n failed runs.
    await waitFor(() => proxy.requests >= 6, { timeoutMs: 10_000, description: 'the sixth run' });
    const afterFive = await storedBytes();
    await waitFor(() => proxy.requests >= 11, { timeoutMs: 10_000, description: 'the eleventh run' });
    const afterTen = await storedBytes();
    const letters = await waitFor(async () => ((await deadLetters(env)).length === 1 ? deadLetters(env) : undefined), {
      timeoutMs: 10_000,
      description: 'the dead letter after the last run',
    });
    const figures = `job bytes: fresh ${fresh}, after 5 failed runs ${afterFive}, after 10 ${afterTen}`;
    process.stdout.write(`      ${figures}\n`);
    expect(proxy.requests).to.equal(12);
    expect(letters[0]).to.include({ reason: 'retries_exhausted', attempts: 12 });
    expect(afterFive - fresh, `growth after 5 failed runs (${figures})`).to.be.below(400);
    expect(afterTen - afterFive, `growth from 5 to 10 failed runs (${figures})`).to.be.below(20);
  });
});
