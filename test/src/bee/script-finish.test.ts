/**
 * Contract tests of script-finish against the real Bee-Queue 2.0.0 and real
 * Redis: a run finished by a script ends where Bee-Queue's own finish of a
 * succeeded run leaves it, Bee-Queue still reports it as succeeded, and its
 * own finish is skipped for that run only.
 */
import BeeQueue = require('bee-queue');
import { expect } from 'chai';
import { beeKeysUnder } from '../../../src/bee/bee-keys';
import { addJobs } from '../../../src/bee/bulk-writer';
import { jobJson } from '../../../src/bee/job-json';
import { makeLoopResilient } from '../../../src/bee/resilient-loop';
import { FINISH_SUCCEEDED_LUA, markFinishedByScript, runFinishOf, skipScriptedFinishes } from '../../../src/bee/script-finish';
import { waitFor } from '../../../src/core/wait-for';
import { LuaScript } from '../../../src/redis/lua-script';
import { beeFixture } from '../../support/bee-fixture';
import { call } from '../../support/redis';

const NAME = '{finish}';
/** A script that does nothing but the finish, as an outcome script would beside its own writes. */
const FINISH = new LuaScript(`${FINISH_SUCCEEDED_LUA}\nfinish_succeeded(KEYS[1], KEYS[2], KEYS[3], ARGV[1])`);

describe('bee/script-finish: a run finished in a script ends as Bee-Queue 2.0.0 finishes a succeeded one (real Redis)', function () {
  this.timeout(20_000);
  const fx = beeFixture();
  const keys = () => beeKeysUnder(`${fx.prefix}:${NAME}`);

  async function workerQueue(settings: BeeQueue.QueueSettings = {}, skip = true): Promise<BeeQueue> {
    const queue = new BeeQueue(NAME, { prefix: fx.prefix, redis: fx.shared, quitCommandClient: false, storeJobs: false, removeOnSuccess: true, sendEvents: false, ...settings });
    fx.queues.push(queue);
    await queue.ready();
    makeLoopResilient(queue, { onError: () => undefined, onOrphan: () => undefined, maxBackoffMs: 100 });
    if (skip) skipScriptedFinishes(queue);
    return queue;
  }

  const saveJobs = (...ids: string[]) => addJobs(fx.shared, keys(), ids.map((id) => ({ id, json: jobJson({ id }, { timestamp: Date.now() }) })));
  const state = async () => ({
    active: await call<string[]>(fx.shared, 'LRANGE', keys().active, 0, -1),
    stalling: await call<string[]>(fx.shared, 'SMEMBERS', keys().stalling),
    jobs: (await call<string[]>(fx.shared, 'HKEYS', keys().jobs)).sort(),
    succeeded: await call<string[]>(fx.shared, 'SMEMBERS', keys().succeeded),
  });

  /** Processes `ids`, finishing those in `scripted` by script; resolves with each job's 'succeeded' result. */
  async function run(queue: BeeQueue, ids: string[], scripted: Set<string>): Promise<Map<string, unknown>> {
    const results = new Map<string, unknown>();
    queue.on('succeeded', (job: BeeQueue.Job<unknown>, result: unknown) => results.set(job.id, result));
    await saveJobs(...ids);
    queue.process(2, async (job) => {
      const finish = runFinishOf(job);
      if (!finish || !scripted.has(job.id)) return `own ${job.id}`;
      await FINISH.run(fx.shared, finish.keys, [finish.id]);
      markFinishedByScript(job);
      // A sentinel: were Bee-Queue's own finish still sent, its LREM would take this out again.
      await call(fx.shared, 'LPUSH', keys().active, `sentinel-${job.id}`);
      return `script ${job.id}`;
    });
    await waitFor(() => results.size === ids.length, { timeoutMs: 5000, description: 'every job to succeed' });
    return results;
  }

  it("leaves the queue as Bee-Queue's own finish does, reports 'succeeded' with the result, and skips its own finish for that run only", async () => {
    const queue = await workerQueue();
    const results = await run(queue, ['s1', 'o1', 's2'], new Set(['s1', 's2']));
    expect(Object.fromEntries(results)).to.deep.equal({ s1: 'script s1', o1: 'own o1', s2: 'script s2' });
    // Nothing of any job is left but the sentinels, which only the skipped finishes did not remove.
    const after = await state();
    expect([...after.active].sort()).to.deep.equal(['sentinel-s1', 'sentinel-s2']);
    expect(after).to.deep.include({ stalling: [], jobs: [], succeeded: [] });
  });

  it('offers no script finish where Bee-Queue keeps succeeded jobs, publishes events or keeps Job objects, or was not told to skip its own', async () => {
    const cases: [BeeQueue.QueueSettings, boolean][] = [[{ removeOnSuccess: false }, true], [{ sendEvents: true }, true], [{ storeJobs: true }, true], [{}, false]];
    for (const [settings, skip] of cases) {
      const queue = await workerQueue(settings, skip);
      const results = await run(queue, [`k${fx.queues.length}`], new Set([`k${fx.queues.length}`]));
      expect([...results.values()][0]).to.match(/^own /);
      await queue.close(1000);
      await call(fx.shared, 'DEL', ...Object.values(keys()));
    }
  });
});
