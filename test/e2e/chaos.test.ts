import { expect } from 'chai';
import { waitFor } from '../../src/core/wait-for';
import { findFreePort } from '../../scripts/support/free-port';
import { getStatus } from '../../scripts/support/http-probe';
import { type RedisClusterHandle, startRedisCluster } from '../../scripts/support/redis-cluster';
import { startStandInProxy } from '../../scripts/support/stand-in-proxy';
import { buildShards } from '../../src/queue/shards';
import { activeJobIds, chaosReplies, chaosSeed, ConsumerFleet, isRejected, type ShardUrl } from '../support/chaos';
import { clusterEnv } from '../support/cluster-fixture';
import { baseEnv, SHARED_REDIS_URL, TEST_TOKEN } from '../support/env';
import { request } from '../support/http';
import { deliveriesByPush, intakeOutage, pushOf, startStream } from '../support/message-stream';
import { spawnService } from '../support/processes';
import { deletePrefix } from '../support/redis';

const TARGET_PUSHES = 3000;
const CONSUMERS = 2;
const CONCURRENCY = 20;
const CONSUMER_KILLS = 3;
/** Set to a seed printed by a failed run to replay its proxy answers; undefined draws a fresh one. */
const REPLAY_SEED: number | undefined = undefined;

/** Settings that make recovery quick and retries plentiful, so nothing runs out of retries. */
const CHAOS_SETTINGS = {
  STALL_INTERVAL_MS: '1000',
  CONSUMER_CONCURRENCY: String(CONCURRENCY),
  PUSH_RETRIES: '2',
  PUSH_RETRY_MAX_DELAY_MS: '2000',
  JOB_RETRIES: '12',
  JOB_BACKOFF_MS: '100',
  JOB_BACKOFF_MAX_MS: '2000',
  LOG_LEVEL: 'error',
};

interface ChaosFigures {
  accepted: number;
  delivered: number;
  deadLettered: number;
  lost: number;
  duplicates: number;
  duplicateBound: number;
  slowestRecoveryMs: number;
}

async function runChaos(seed: number, label: string, env: Record<string, string>, urlOf: ShardUrl, killMaster?: () => Promise<void>): Promise<ChaosFigures> {
  const proxy = await startStandInProxy({ reply: chaosReplies(seed), countOnly: true });
  const port = await findFreePort();
  Object.assign(env, CHAOS_SETTINGS, { PUSH_PROXY_URL: proxy.url, PORT: String(port), HOST: '127.0.0.1' });
  const base = `http://127.0.0.1:${port}`;
  const producer = spawnService('producer/main.js', env);
  const fleet = new ConsumerFleet(env, CONSUMERS);
  try {
    await waitFor(async () => (await getStatus(`${base}/readyz`)) === 200, { timeoutMs: 20_000, description: 'producer ready' });
    // Every other message takes the bulk lane, so faults hit both lanes' queues.
    const stream = startStream({ url: base, token: TEST_TOKEN, recipients: 50, pauseMs: 100, tag: label, bulkEvery: 2 });
    const accepted = () => stream.progress().accepted.size;
    const recoveries: Array<Promise<number>> = [];
    let outageMs = 0;
    for (let k = 0; k < CONSUMER_KILLS; k++) {
      await waitFor(() => accepted() >= ((k + 1) * TARGET_PUSHES) / (CONSUMER_KILLS + 1), { timeoutMs: 60_000, description: `stream before kill ${k + 1}` });
      const killedAt = await fleet.killAndRestart(k % CONSUMERS);
      const inFlight = await activeJobIds(env['QUEUE_PREFIX']!, 16, urlOf);
      recoveries.push(settled(inFlight, proxy.deliveries, killedAt));
    }
    if (killMaster) {
      const brokenAt = Date.now();
      await killMaster();
      await waitFor(() => stream.progress().acceptedAt.some((t) => t > brokenAt), { timeoutMs: 30_000, description: 'intake after the master kill' });
      outageMs = intakeOutage(stream.progress(), brokenAt);
    }
    await waitFor(() => accepted() >= TARGET_PUSHES, { timeoutMs: 60_000, description: `${TARGET_PUSHES} pushes accepted` });
    const result = await stream.stop();
    const pendingOf = (): string[] => {
      const delivered = deliveriesByPush(proxy.deliveries);
      return [...result.accepted].filter((k) => !delivered.has(k) && !isRejected(k));
    };
    await waitFor(() => pendingOf().length === 0, { timeoutMs: 90_000, description: () => `every accepted push delivered (left: ${pendingOf().length})` });
    const letters = await listDeadLetters(base);
    const figures = tally(result.accepted, deliveriesByPush(proxy.deliveries), letters, killMaster ? 1 : 0);
    figures.slowestRecoveryMs = Math.max(outageMs, ...(await Promise.all(recoveries)));
    process.stdout.write(`      ${label} (seed ${seed}): ${JSON.stringify(figures)} (intake statuses ${JSON.stringify(Object.fromEntries(result.statuses))})\n`);
    expect(letters.every((l) => l.reason === 'rejected' && isRejected(l.jobId)), 'only permanent rejections dead-lettered').to.equal(true);
    return figures;
  } finally {
    const codes = await fleet.stopAll();
    await producer.stop('SIGTERM');
    await proxy.close();
    expect(codes, 'consumers exit 0 on SIGTERM').to.deep.equal(codes.map(() => 0));
    // Listener leaks show up as Node warnings long before memory does.
    expect(fleet.output() + producer.output()).not.to.match(/MaxListenersExceeded|UnhandledPromiseRejection/);
  }
}

/** Resolves with the time from `since` until every id in `ids` was delivered (or is a planned rejection). */
async function settled(ids: string[], deliveries: Map<string, number>, since: number): Promise<number> {
  await waitFor(() => ids.every((id) => deliveries.has(id) || isRejected(id)), { timeoutMs: 60_000, description: 'in-flight jobs recovered' });
  return Date.now() - since;
}

async function listDeadLetters(base: string): Promise<Array<{ jobId: string; reason: string }>> {
  const res = await request(`${base}/v1/dead-letters?limit=1000`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  return (res.body as { items: Array<{ jobId: string; reason: string }> }).items;
}

/**
 * Slowest recovery allowed, from a consumer kill until every push in flight then is delivered, or from the master
 * kill until intake answers 202 again. A killed job is requeued by the next stall check but one (at most
 * 2 x STALL_INTERVAL_MS = 2 s). One run of a push is at most 3 tries, with at most PUSH_RETRY_MAX_DELAY_MS = 2 s
 * between them and up to 0.5 s of proxy delay each: about 5.5 s. A run fails all 3 tries for about 1 push in 450
 * (13% each), so among the ~40 in flight at a kill one may need a second run, after at most JOB_BACKOFF_MAX_MS = 2 s:
 * 2 + 5.5 + 2 + 5.5 = 15 s. The master kill costs cluster-node-timeout (2 s) plus election and rerouting, measured
 * at 4-6 s. 5 s more for a consumer starting on a loaded 2-core machine. Measured over ten runs: 3.6-8.5 s
 * standalone, 5.3-9.2 s cluster; the 16-29 s lag of issue 11 case 1 would fail it. The waits themselves allow 60 s.
 */
const RECOVERY_BOUND_MS = 20_000;

/** Runs one chaos round with a fresh seed (or REPLAY_SEED), checks its figures, and names the seed if anything fails. */
async function seeded(run: (seed: number) => Promise<ChaosFigures>): Promise<void> {
  const seed = REPLAY_SEED ?? chaosSeed();
  try {
    const figures = await run(seed);
    expect(figures.lost, 'accepted pushes neither delivered nor dead-lettered').to.equal(0);
    expect(figures.delivered + figures.deadLettered).to.equal(figures.accepted);
    expect(figures.duplicates, 'pushes sent twice').to.be.at.most(figures.duplicateBound);
    expect(figures.slowestRecoveryMs, 'slowest recovery (ms)').to.be.at.most(RECOVERY_BOUND_MS);
  } catch (err) {
    // In front, without a colon: mocha shows only the text before ": expected" of an assertion with a diff.
    if (err instanceof Error) err.message = `[chaos seed ${seed}, set REPLAY_SEED = ${seed} to replay its proxy answers] ${err.message}`;
    throw err;
  }
}

function tally(accepted: Set<string>, deliveries: Map<string, number>, letters: Array<{ jobId: string }>, masterKills: number): ChaosFigures {
  // Only dead letters of accepted pushes count; a retried intake's stray letters are not in `accepted`.
  const lettered = new Set(letters.map((l) => pushOf(l.jobId)).filter((id) => accepted.has(id)));
  let delivered = 0;
  let duplicates = 0;
  let lost = 0;
  for (const key of accepted) {
    const count = deliveries.get(key) ?? 0;
    if (count > 0) delivered += 1;
    duplicates += Math.max(0, count - 1);
    if (count === 0 && !lettered.has(key)) lost += 1;
  }
  // A push is sent twice only if its consumer (or master) dies between the proxy's 2xx and the marker write:
  // at most one in-flight push per concurrency slot per disruption.
  const duplicateBound = (CONSUMER_KILLS + masterKills * CONSUMERS) * CONCURRENCY;
  return { accepted: accepted.size, delivered, deadLettered: lettered.size, lost, duplicates, duplicateBound, slowestRecoveryMs: 0 };
}

describe('chaos: a few thousand pushes through killed consumers and a flaky proxy (real processes)', function () {
  this.timeout(180_000);

  it('standalone Redis: nothing lost, duplicates and recovery time within bound', async () => {
    const env = baseEnv({ QUEUE_SHARDS: '16' });
    try {
      await seeded((seed) => runChaos(seed, 'standalone', env, async () => SHARED_REDIS_URL));
    } finally {
      await deletePrefix(SHARED_REDIS_URL, env['QUEUE_PREFIX']!);
    }
  });

  it('Redis Cluster, with a master SIGKILLed too: nothing lost, duplicates and recovery time within bound', async () => {
    let cluster: RedisClusterHandle | undefined;
    try {
      cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 });
      const handle = cluster;
      const urlOf: ShardUrl = async (slot) => `redis://127.0.0.1:${await handle.ownerOfSlot(slot)}`;
      const killMaster = async (): Promise<void> => {
        const port = await handle.ownerOfSlot(buildShards(16)[0]!.slot);
        await handle.nodes.find((n) => n.port === port)!.kill('SIGKILL');
        await handle.waitForHealthy(30_000);
      };
      await seeded((seed) => runChaos(seed, 'cluster', clusterEnv(handle), urlOf, killMaster));
    } finally {
      await cluster?.stop();
    }
  });
});
