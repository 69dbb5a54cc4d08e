/**
 * Contract tests of take-job against the real Bee-Queue 2.0.0 and real
 * Redis: a job taken with the non-blocking call is left exactly where
 * Bee-Queue's own blocking pop leaves one, stalls and comes back exactly like
 * it, and is processed by the patched loop like any other job.
 */
import BeeQueue = require('bee-queue');
import { expect } from 'chai';
import { beeKeysUnder } from '../../../src/bee/bee-keys';
import { addJobs } from '../../../src/bee/bulk-writer';
import { jobJson } from '../../../src/bee/job-json';
import { makeLoopResilient } from '../../../src/bee/resilient-loop';
import { giveBackJob, loadJob, peekedSlot, peekOnTake, skipTakenHeartbeats, takeWaitingJob, waitForJobId } from '../../../src/bee/take-job';
import { waitFor } from '../../../src/core/wait-for';
import { beeFixture } from '../../support/bee-fixture';
import { call } from '../../support/redis';

const NAME = '{take}';

/** Bee-Queue's own pop and stall check, which the tests compare against. */
interface Internals {
  _waitForJob(): Promise<BeeQueue.Job<unknown> | null>;
  _doStalledJobCheck(): Promise<number>;
  _preventStall(jobId: string): Promise<unknown>;
}

describe('bee/take-job: the non-blocking pop behaves as Bee-Queue 2.0.0 pops (real Redis)', function () {
  this.timeout(20_000);
  const fx = beeFixture();
  const keys = () => beeKeysUnder(`${fx.prefix}:${NAME}`);

  async function workerQueue(settings: BeeQueue.QueueSettings = {}): Promise<BeeQueue> {
    const queue = new BeeQueue(NAME, { prefix: fx.prefix, redis: fx.shared, quitCommandClient: false, storeJobs: false, removeOnSuccess: true, ...settings });
    fx.queues.push(queue);
    await queue.ready();
    return queue;
  }

  async function saveJobs(...ids: string[]): Promise<void> {
    await addJobs(fx.shared, keys(), ids.map((id) => ({ id, json: jobJson({ id }, { timestamp: Date.now() }) })));
  }

  const list = (name: 'waiting' | 'active') => call<string[]>(fx.shared, 'LRANGE', keys()[name], 0, -1);
  const stalling = async () => (await call<string[]>(fx.shared, 'SMEMBERS', keys().stalling)).sort();
  const state = async () => ({ waiting: await list('waiting'), active: await list('active'), stalling: await stalling() });

  it("takes the oldest job into active, not stalling, with its data, as Bee-Queue's blocking pop does", async () => {
    const queue = await workerQueue();
    await saveJobs('a', 'b', 'c');
    const ours = await takeWaitingJob(queue);
    expect(ours?.id).to.equal('a');
    expect(ours?.job?.data).to.deep.equal({ id: 'a' });
    expect(await state()).to.deep.equal({ waiting: ['c', 'b'], active: ['a'], stalling: [] });

    const theirs = await (queue as unknown as Internals)._waitForJob();
    expect(theirs?.id).to.equal('b');
    expect(theirs?.data).to.deep.equal({ id: 'b' });
    expect({ options: ours?.job?.options, status: ours?.job?.status }).to.deep.equal({ options: theirs?.options, status: theirs?.status });
    expect(await state()).to.deep.equal({ waiting: ['c'], active: ['b', 'a'], stalling: [] });
  });

  it('answers null when nothing waits, and writes nothing', async () => {
    const queue = await workerQueue();
    expect(await takeWaitingJob(queue)).to.equal(null);
    expect(await state()).to.deep.equal({ waiting: [], active: [], stalling: [] });
  });

  it("stalls and comes back exactly like a job Bee-Queue popped: the stall check's first run marks both, the second returns both to waiting", async () => {
    const queue = await workerQueue({ stallInterval: 1 });
    await saveJobs('ours', 'theirs');
    await takeWaitingJob(queue);
    await (queue as unknown as Internals)._waitForJob();
    // Neither job is run (as if its consumer died): nobody takes it out of stalling.
    const check = (queue as unknown as Internals)._doStalledJobCheck.bind(queue);
    expect(await check()).to.equal(0);
    expect(await state()).to.deep.equal({ waiting: [], active: ['theirs', 'ours'], stalling: ['ours', 'theirs'] });
    await waitFor(async () => (await call<number>(fx.shared, 'EXISTS', keys().stallBlock)) === 0, { timeoutMs: 2000, description: 'the stall block to expire' });
    expect(await check()).to.equal(2);
    const after = await state();
    expect(after.active).to.deep.equal([]);
    expect([...after.waiting].sort()).to.deep.equal(['ours', 'theirs']);

    // And both run again, through the patched loop.
    const ran: string[] = [];
    makeLoopResilient(queue, { onError: () => undefined, onOrphan: () => undefined, maxBackoffMs: 100 });
    queue.process(2, async (job) => void ran.push(job.id));
    await waitFor(() => ran.length === 2, { timeoutMs: 5000, description: 'both stalled jobs to run again' });
    expect(ran.sort()).to.deep.equal(['ours', 'theirs']);
  });

  it('takes an id without data out of active and stalling again, and reports it with no job', async () => {
    const queue = await workerQueue();
    await call(fx.shared, 'LPUSH', keys().waiting, 'orphan');
    await call(fx.shared, 'SADD', keys().stalling, 'orphan');
    expect(await takeWaitingJob(queue)).to.deep.equal({ id: 'orphan', job: null });
    expect(await state()).to.deep.equal({ waiting: [], active: [], stalling: [] });
  });

  it('gives a taken job back to the popping end of waiting, so it is the next job taken', async () => {
    const queue = await workerQueue();
    await saveJobs('a', 'b');
    await takeWaitingJob(queue);
    await giveBackJob(queue, 'a');
    expect(await state()).to.deep.equal({ waiting: ['b', 'a'], active: [], stalling: [] });
    expect((await takeWaitingJob(queue))?.id).to.equal('a');
  });

  it('processes jobs, waiting ones and ones that arrive while it blocks, and finishes them as Bee-Queue does', async () => {
    const queue = await workerQueue({ removeOnSuccess: false });
    makeLoopResilient(queue, { onError: () => undefined, onOrphan: () => undefined, maxBackoffMs: 100 });
    await saveJobs('w1', 'w2', 'w3');
    const ran: string[] = [];
    queue.process(2, async (job) => void ran.push(job.id));
    await waitFor(() => ran.length === 3, { timeoutMs: 5000, description: 'the waiting jobs to run' });
    // Now the queue is empty: the loop waits in the blocking pop, and a new job wakes it.
    await saveJobs('late');
    await waitFor(() => ran.length === 4, { timeoutMs: 5000, description: 'the late job to run' });
    expect(ran).to.deep.equal(['w1', 'w2', 'w3', 'late']);
    await waitFor(async () => (await call<string[]>(fx.shared, 'SMEMBERS', keys().succeeded)).length === 4, { timeoutMs: 5000, description: 'every job to be finished' });
    expect(await state()).to.deep.equal({ waiting: [], active: [], stalling: [] });
  });

  it('takes no job once closing has begun: a pop under way when close() starts gives its job back', async () => {
    const queue = await workerQueue();
    makeLoopResilient(queue, { onError: () => undefined, onOrphan: () => undefined, maxBackoffMs: 100 });
    await saveJobs('a', 'b', 'c');
    // The non-blocking call is on the wire before close() starts; its answer comes after.
    const popped = (queue as unknown as Internals)._waitForJob();
    const closed = queue.close(1000);
    expect(await popped).to.equal(null);
    await closed;
    expect(await state()).to.deep.equal({ waiting: ['c', 'b', 'a'], active: [], stalling: [] });
  });

  it("sends a taken job's first stall heartbeat in the take itself; Bee-Queue's first one is skipped, every later one is not", async () => {
    const queue = await workerQueue();
    skipTakenHeartbeats(queue);
    const beat = (id: string) => (queue as unknown as Internals)._preventStall(id);
    await saveJobs('a');
    // A stall check ran before the take (the id was in `stalling`): the take clears it.
    await call(fx.shared, 'SADD', keys().stalling, 'a');
    expect((await takeWaitingJob(queue))?.id).to.equal('a');
    expect(await stalling()).to.deep.equal([]);
    // A check after the take marks it again: the skipped first beat leaves that mark, the next one clears it.
    await call(fx.shared, 'SADD', keys().stalling, 'a');
    await beat('a');
    expect(await stalling()).to.deep.equal(['a']);
    await beat('a');
    expect(await stalling()).to.deep.equal([]);
  });

  it("keeps Bee-Queue's first heartbeat, and peeks at nothing, for a job taken by the blocking pop", async () => {
    const queue = await workerQueue();
    skipTakenHeartbeats(queue);
    await saveJobs('b');
    peekOnTake(queue, { stem: `${fx.prefix}:outb:`, separator: ':' });
    const taken = await loadJob(queue, await waitForJobId(queue));
    expect(taken.job?.id).to.equal('b');
    // Nor does the blocking pop peek: its job's handler reads what it needs itself.
    expect(peekedSlot(taken.job!)).to.equal(undefined);
    await call(fx.shared, 'SADD', keys().stalling, 'b');
    await (queue as unknown as Internals)._preventStall('b');
    expect(await stalling()).to.deep.equal([]);
  });

  it("peeks at each job's 3-bit slot in the take, where its data names one, and at nothing else", async () => {
    const queue = await workerQueue();
    const peek = { stem: `${fx.prefix}:outb:`, separator: ':' };
    peekOnTake(queue, peek);
    const marker = `${peek.stem}m1${peek.separator}e1`;
    await call(fx.shared, 'BITFIELD', marker, 'SET', 'u3', '#5', 3, 'SET', 'u3', '#6', 1);
    const save = (id: string, data: Record<string, unknown>) => addJobs(fx.shared, keys(), [{ id, json: jobJson(data, { timestamp: Date.now() }) }]);
    await save('five', { messageId: 'm1', epoch: 'e1', index: 5 });
    await save('six', { messageId: 'm1', epoch: 'e1', index: 6 });
    await save('unset', { messageId: 'm1', epoch: 'e1', index: 7 });
    // No peek: no index (a push from before packed markers), no epoch, a malformed index, one past BITFIELD's range, a key of another type.
    await save('legacy', { messageId: 'm1', epoch: 'e1' });
    await save('no-epoch', { messageId: 'm1', index: 5 });
    await save('fraction', { messageId: 'm1', epoch: 'e1', index: 1.5 });
    await save('huge', { messageId: 'm1', epoch: 'e1', index: 2 ** 40 });
    await call(fx.shared, 'SET', `${peek.stem}m2${peek.separator}e1`, 'x');
    await call(fx.shared, 'LPUSH', `${peek.stem}m3${peek.separator}e1`, 'x');
    await save('wrong-type', { messageId: 'm3', epoch: 'e1', index: 0 });
    const seen: Record<string, number | undefined> = {};
    for (let taken = await takeWaitingJob(queue); taken; taken = await takeWaitingJob(queue)) {
      expect(taken.job, taken.id).to.not.equal(null);
      seen[taken.id] = peekedSlot(taken.job!);
      // One use per take: a later run of the same Job object (storeJobs) must not see this peek.
      expect(peekedSlot(taken.job!)).to.equal(undefined);
    }
    expect(seen).to.deep.equal({ five: 3, six: 1, unset: 0, legacy: undefined, 'no-epoch': undefined, fraction: undefined, huge: undefined, 'wrong-type': undefined });
    // Every job was taken as usual, peeked or not.
    expect((await state()).active).to.have.length(8);
  });
});
