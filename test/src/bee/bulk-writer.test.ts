/**
 * Contract tests of the bulk writer against the pinned Bee-Queue itself
 * (real Redis, no project code on Bee-Queue's side): the writer must leave
 * exactly what Bee-Queue's own `saveAll` leaves, and a plain Bee-Queue worker
 * must run what it wrote.
 */
import BeeQueue = require('bee-queue');
import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { beeKeysUnder } from '../../../src/bee/bee-keys';
import { addJobs, addTemplatedJobs, type BulkJob } from '../../../src/bee/bulk-writer';
import { jobJsonFactory, jobJsonTemplate } from '../../../src/bee/job-json';
import { waitFor } from '../../../src/core/wait-for';
import { retryOptions } from '../../../src/retry/retry-policy';
import { SHARED_REDIS_URL, uniquePrefix } from '../../support/env';
import { call, deletePrefix, withRedis } from '../../support/redis';

const QUEUE = '{bulk-contract}';
const RETRY = { retries: 3, backoffBaseMs: 100, backoffMaxMs: 1000 };

/** A Bee-Queue queue with none of the project's code, as a plain producer or worker would make it. */
function plainQueue(prefix: string, worker: boolean): BeeQueue {
  return new BeeQueue(QUEUE, {
    prefix,
    redis: { url: SHARED_REDIS_URL },
    isWorker: worker,
    activateDelayedJobs: worker,
    getEvents: false,
    sendEvents: false,
    removeOnSuccess: true,
  });
}

/** Every key under `prefix` and what it holds, read with plain commands, with the prefix cut off the names. */
async function dump(client: RedisClient, prefix: string): Promise<Record<string, unknown>> {
  const [, names] = await call<[string, string[]]>(client, 'SCAN', 0, 'MATCH', `${prefix}:*`, 'COUNT', 10_000);
  const state: Record<string, unknown> = {};
  for (const name of names.sort()) {
    const type = await call<string>(client, 'TYPE', name);
    const read: Record<string, () => Promise<unknown>> = {
      hash: () => call(client, 'HGETALL', name),
      list: () => call(client, 'LRANGE', name, 0, -1),
      zset: () => call(client, 'ZRANGE', name, 0, -1, 'WITHSCORES'),
      set: async () => (await call<string[]>(client, 'SMEMBERS', name)).sort(),
      string: () => call(client, 'GET', name),
    };
    state[`${name.slice(prefix.length)} (${type})`] = await (read[type] ?? (() => Promise.resolve('?')))();
  }
  return state;
}

/** The same pushes, as the project builds them: its job JSON and its retry options. */
function pushes(
  ids: readonly string[],
  delay: number | undefined,
  timestamp: number,
): { options: Record<string, unknown>; template: Record<string, unknown>; jobs: BulkJob[]; data: (id: string) => Record<string, unknown> } {
  const options = { ...retryOptions(RETRY), timestamp, ...(delay ? { delay } : {}) };
  const template = { messageId: 'm1', roomId: 'r', senderId: 's', notification: { body: 'hi' }, acceptedAt: timestamp };
  const jsonFor = jobJsonFactory(template, options);
  return { options, template, jobs: ids.map((id) => ({ id: `m1:${id}`, json: jsonFor(id) })), data: (id) => ({ ...template, recipientId: id }) };
}

/** Saves the pushes with Bee-Queue's own saveAll, each job given the same options object the project stores. */
async function saveWithBeeQueue(prefix: string, ids: readonly string[], delay: number | undefined, timestamp: number): Promise<void> {
  const queue = plainQueue(prefix, false);
  try {
    await queue.ready();
    const batch = pushes(ids, delay, timestamp);
    const jobs = ids.map((id) => {
      const job = queue.createJob(batch.data(id)).setId(`m1:${id}`);
      // The same keys in the same order as the project's JSON: drop what the Job constructor set first.
      const own = job.options as Record<string, unknown>;
      for (const key of Object.keys(own)) delete own[key];
      Object.assign(own, JSON.parse(JSON.stringify(batch.options)));
      return job;
    });
    const errors = await queue.saveAll(jobs);
    expect([...errors.values()]).to.deep.equal([]);
  } finally {
    await queue.close();
  }
}

describe('bee/bulk-writer: the contract with Bee-Queue 2.0.0 (real Redis)', function () {
  this.timeout(20_000);
  let prefix: string;

  beforeEach(() => {
    prefix = uniquePrefix();
  });

  afterEach(async () => {
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  for (const [label, delayFromNow] of [['waiting', undefined], ['delayed', 60_000]] as const) {
    it(`leaves the same Redis state as Bee-Queue's saveAll for ${label} jobs, an existing id skipped`, async () => {
      const timestamp = Date.now();
      const delay = delayFromNow === undefined ? undefined : timestamp + delayFromNow;
      const ids = ['a', 'b', 'c'];
      await saveWithBeeQueue(`${prefix}:bee`, ids, delay, timestamp);
      // Saved twice: the second save must change nothing, as in Bee-Queue.
      await saveWithBeeQueue(`${prefix}:bee`, ids, delay, timestamp);
      const bulk = pushes(ids, delay, timestamp);
      await withRedis(SHARED_REDIS_URL, async (client) => {
        const keys = beeKeysUnder(`${prefix}:bulk:${QUEUE}`);
        expect(await addJobs(client, keys, bulk.jobs, delay)).to.equal(3);
        expect(await addJobs(client, keys, bulk.jobs, delay)).to.equal(0);
        const written = await dump(client, `${prefix}:bulk`);
        expect(Object.keys(written)).to.have.length(2);
        expect(written).to.deep.equal(await dump(client, `${prefix}:bee`));
        // The intake's path: Redis assembles the same JSON from the template.
        const templatedKeys = beeKeysUnder(`${prefix}:templated:${QUEUE}`);
        const templated = { idPrefix: 'm1:', template: jobJsonTemplate(bulk.template, bulk.options, false), recipients: ids, firstIndex: 0 };
        expect(await addTemplatedJobs(client, templatedKeys, templated, delay)).to.equal(3);
        expect(await addTemplatedJobs(client, templatedKeys, templated, delay)).to.equal(0);
        expect(await dump(client, `${prefix}:templated`)).to.deep.equal(written);
      });
    });
  }

  it('has its jobs run by a plain Bee-Queue worker, with the data and options it wrote', async () => {
    const timestamp = Date.now();
    const bulk = pushes(['a', 'b'], timestamp + 300, timestamp);
    const now = pushes(['c'], undefined, timestamp);
    await withRedis(SHARED_REDIS_URL, async (client) => {
      const keys = beeKeysUnder(`${prefix}:${QUEUE}`);
      await addJobs(client, keys, now.jobs);
      await addJobs(client, keys, bulk.jobs, timestamp + 300);
    });
    const worker = plainQueue(prefix, true);
    const seen = new Map<string, { data: unknown; options: Record<string, unknown> }>();
    try {
      worker.process(async (job: BeeQueue.Job<unknown>) => {
        seen.set(job.id, { data: job.data, options: { ...job.options } });
      });
      await waitFor(() => seen.size === 3, { timeoutMs: 10_000, description: 'the plain worker to run all 3 jobs' });
    } finally {
      await worker.close();
    }
    expect(seen.get('m1:c')).to.deep.equal({ data: now.data('c'), options: now.options });
    expect(seen.get('m1:a')).to.deep.equal({ data: bulk.data('a'), options: bulk.options });
    // removeOnSuccess: nothing of the jobs stays behind.
    await waitFor(async () => (await withRedis(SHARED_REDIS_URL, (c) => call<number>(c, 'HLEN', `${prefix}:${QUEUE}:jobs`))) === 0, {
      timeoutMs: 5000,
      description: 'the jobs hash to be empty',
    });
  });
});
