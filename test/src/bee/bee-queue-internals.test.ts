/**
 * Contract tests: each Bee-Queue 2.0.0 internal that src/bee relies on
 * behaves as src/bee assumes, checked on the pinned Bee-Queue against real
 * Redis. If one of these fails after an upgrade, the matching module of
 * src/bee must change (see docs/architecture.md).
 */
import BeeQueue = require('bee-queue');
import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { BEE_SUFFIXES, beeKeysUnder } from '../../../src/bee/bee-keys';
import { addJobs } from '../../../src/bee/bulk-writer';
import { failedRunsOf, storableFailure } from '../../../src/bee/failure-history';
import { jobJson } from '../../../src/bee/job-json';
import { registerBackoffStrategy, retriesLeft, retryJobOptions, setRetriesLeft } from '../../../src/bee/job-retry';
import { isEnded } from '../../../src/bee/node-redis-internals';
import { commandClient, connectedAddress, detachFromSharedClient, endOwnConnections } from '../../../src/bee/queue-connections';
import { makeLoopResilient } from '../../../src/bee/resilient-loop';
import { finishJob, ownKey, unmarkStalling } from '../../../src/bee/running-jobs';
import { waitFor } from '../../../src/core/wait-for';
import { beeFixture } from '../../support/bee-fixture';
import { call } from '../../support/redis';

const NAME = '{internals}';

describe('bee: Bee-Queue 2.0.0 internals behave as src/bee assumes (real Redis)', function () {
  this.timeout(20_000);
  const fx = beeFixture();

  /** A worker queue on the fx.shared command connection, as the router builds them. */
  async function workerQueue(settings: BeeQueue.QueueSettings = {}): Promise<BeeQueue> {
    const queue = new BeeQueue(NAME, { prefix: fx.prefix, redis: fx.shared, quitCommandClient: false, activateDelayedJobs: true, removeOnSuccess: true, ...settings });
    fx.queues.push(queue);
    await queue.ready();
    return queue;
  }

  /** Saves one job with `retries` retries and a 1 ms backoff of strategy `strategy`. */
  async function saveJob(id: string, retries: number, strategy = 'test'): Promise<void> {
    const options = { ...retryJobOptions(retries, { strategy, delay: 1, max: 1 }), timestamp: Date.now() };
    await addJobs(fx.shared, beeKeysUnder(`${fx.prefix}:${NAME}`), [{ id, json: jobJson({ n: 1 }, options) }]);
  }

  const stored = async (id: string): Promise<{ status: string; options: { stacktraces: string[]; retries: number } }> =>
    JSON.parse(await call<string>(fx.shared, 'HGET', `${fx.prefix}:${NAME}:jobs`, id)) as { status: string; options: { stacktraces: string[]; retries: number } };

  it('client is the connection it was given; bclient and eclient are made by its duplicate(), and ended by endOwnConnections', async () => {
    const made: RedisClient[] = [];
    const duplicate = fx.shared.duplicate.bind(fx.shared);
    fx.shared.duplicate = () => {
      const copy = duplicate();
      made.push(copy);
      return copy;
    };
    const queue = await workerQueue();
    const internals = queue as unknown as { bclient: RedisClient; eclient: RedisClient };
    expect(commandClient(queue)).to.equal(fx.shared);
    expect(connectedAddress(queue)).to.equal('127.0.0.1:6379');
    // So the guarded client's duplicate() makes them guarded and auto-pipelined too.
    expect(made).to.have.members([internals.bclient, internals.eclient]).and.to.have.length(2);
    const listeners = fx.shared.listenerCount('error');
    endOwnConnections(queue);
    detachFromSharedClient(queue);
    expect([isEnded(internals.bclient), isEnded(internals.eclient), isEnded(fx.shared)]).to.deep.equal([true, true, false]);
    expect(fx.shared.listenerCount('error')).to.equal(listeners - 1);
  });

  it('toKey names every structure as bee-keys does', async () => {
    const queue = await workerQueue({ isWorker: false });
    const keys = beeKeysUnder(`${fx.prefix}:${NAME}`);
    for (const suffix of BEE_SUFFIXES) expect(ownKey(queue, suffix)).to.equal(keys[suffix]);
  });

  it('computes the retry delay before it records the failure, and decrements retries after the run', async () => {
    const queue = await workerQueue();
    const asked: { failedRuns: number; retries: number }[] = [];
    registerBackoffStrategy(queue, 'test', (job) => {
      asked.push({ failedRuns: failedRunsOf(job), retries: retriesLeft(job) });
      return 1;
    });
    const runs: number[] = [];
    queue.process(async (job: BeeQueue.Job<unknown>) => {
      runs.push(retriesLeft(job));
      throw storableFailure(new Error('boom'), runs.length);
    });
    await saveJob('j1', 2);
    await waitFor(async () => (await stored('j1')).status === 'failed', { timeoutMs: 10_000, description: 'the job to fail for good' });
    expect(runs).to.deep.equal([2, 1, 0]);
    // No strategy call for the last run: it has no retries left.
    expect(asked).to.deep.equal([{ failedRuns: 0, retries: 2 }, { failedRuns: 1, retries: 1 }]);
    // Newest first, each the `stack` of the error handed back.
    expect((await stored('j1')).options.stacktraces).to.deep.equal(['attempt 3: boom', 'attempt 2: boom', 'attempt 1: boom']);
  });

  it('acts on the retries left as set during the run: 0 fails the job now, 1 retries a last run', async () => {
    const queue = await workerQueue();
    registerBackoffStrategy(queue, 'test', () => 1);
    const runs = new Map<string, number>();
    queue.process(async (job: BeeQueue.Job<unknown>) => {
      const n = (runs.get(job.id) ?? 0) + 1;
      runs.set(job.id, n);
      if (job.id === 'forbidden') setRetriesLeft(job, 0);
      if (job.id === 'kept' && n === 1) setRetriesLeft(job, 1);
      throw new Error('boom');
    });
    await saveJob('forbidden', 5);
    await saveJob('kept', 0);
    await waitFor(async () => (await stored('forbidden')).status === 'failed' && (await stored('kept')).status === 'failed', {
      timeoutMs: 10_000,
      description: 'both jobs to fail for good',
    });
    expect(Object.fromEntries(runs)).to.deep.equal({ forbidden: 1, kept: 2 });
  });

  it('runs waiting and delayed jobs with the loop steps makeLoopResilient replaces', async () => {
    const queue = await workerQueue();
    const reported: unknown[] = [];
    makeLoopResilient(queue, { onError: (err) => reported.push(err), onOrphan: (id) => reported.push(id), maxBackoffMs: 100 });
    const done: string[] = [];
    queue.process(async (job: BeeQueue.Job<unknown>) => void done.push(job.id));
    await addJobs(fx.shared, beeKeysUnder(`${fx.prefix}:${NAME}`), [{ id: 'now', json: jobJson({}, { timestamp: Date.now() }) }]);
    await addJobs(fx.shared, beeKeysUnder(`${fx.prefix}:${NAME}`), [{ id: 'later', json: jobJson({}, { timestamp: Date.now() }) }], Date.now() + 200);
    await waitFor(() => done.length === 2, { timeoutMs: 10_000, description: 'the waiting and the delayed job to run' });
    expect(done).to.deep.equal(['now', 'later']);
    expect(reported).to.deep.equal([]);
  });

  it("keeps a running job out of stalling, and finishes it through another queue as Bee-Queue's own finish step does", async () => {
    const queue = await workerQueue({ isWorker: false });
    const keys = beeKeysUnder(`${fx.prefix}:${NAME}`);
    await call(fx.shared, 'HSET', keys.jobs, 'r1', jobJson({}, { retries: 0, stacktraces: [] }));
    await call(fx.shared, 'HSET', keys.jobs, 'r3', jobJson({}, { retries: 1, stacktraces: [] }));
    await call(fx.shared, 'LPUSH', keys.active, 'r1', 'r3');
    await call(fx.shared, 'SADD', keys.stalling, 'r1', 'r2');
    await unmarkStalling(queue, ['r1']);
    expect(await call<string[]>(fx.shared, 'SMEMBERS', keys.stalling)).to.deep.equal(['r2']);
    // A success is removed (removeOnSuccess); a failure with a retry left goes back with one retry fewer.
    await finishJob(queue, (await queue.getJob('r1'))!, null, 'ok');
    // Bee-Queue stores the error's `stack`; the handler hands it a one-line one (failure-history).
    const failure = Object.assign(new Error('503'), { stack: 'attempt 1: 503' });
    await finishJob(queue, (await queue.getJob('r3'))!, failure, undefined);
    expect(await call<string[]>(fx.shared, 'HKEYS', keys.jobs)).to.deep.equal(['r3']);
    expect(await call<string[]>(fx.shared, 'LRANGE', keys.active, 0, -1)).to.deep.equal([]);
    expect(await call<string[]>(fx.shared, 'LRANGE', keys.waiting, 0, -1)).to.deep.equal(['r3']);
    const retried = JSON.parse(await call<string>(fx.shared, 'HGET', keys.jobs, 'r3')) as { options: { retries: number; stacktraces: string[] } };
    expect(retried.options).to.include({ retries: 0 });
    expect(retried.options.stacktraces).to.deep.equal(['attempt 1: 503']);
  });
});
