import { expect } from 'chai';
import { CollapseState, positionOf } from '../../../src/collapse/collapse-state';
import { CollapseTurns, TurnLostError } from '../../../src/collapse/collapse-turn';
import { TransientPushError } from '../../../src/core/errors';
import { silentLogger } from '../../../src/core/logger';
import { waitFor, withTimeout } from '../../../src/core/wait-for';
import type { PushJobData } from '../../../src/push/push-job';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { clientOf } from '../../../src/routing/on-shard';
import { shardIndexFor } from '../../../src/routing/shard-index';
import { ShardSet } from '../../../src/routing/shard-set';
import { baseEnv, producerConfig, SHARED_REDIS_URL } from '../../support/env';
import { call, deletePrefix, withRedis } from '../../support/redis';
import { sendSignal } from '../../../scripts/support/process-control';
import { type RedisServerHandle, startRedisServer } from '../../../scripts/support/redis-server';

describe('collapse turns: waiting, lease renewal, release (real Redis)', () => {
  const env = baseEnv();
  const config = producerConfig(env);
  const keys = new QueueKeys(config.queue.prefix);
  const state = new CollapseState(keys);
  const shards = ShardSet.create({ config, role: 'producer', log: silentLogger() });
  const homes = shards.lane('interactive');
  const turns = (leaseMs: number, waitMs: number): CollapseTurns =>
    new CollapseTurns(state, homes, (r) => shardIndexFor(r, shards.shardCount), { leaseMs, waitMs, callTimeoutMs: 2000 });
  const push = (messageId: string, epochMs: number, extra: Partial<PushJobData> = {}): PushJobData => ({
    messageId,
    roomId: 'room',
    senderId: 's',
    recipientId: 'bob',
    notification: { body: messageId },
    acceptedAt: epochMs,
    collapseKey: 'room',
    epoch: epochMs.toString(36),
    recordExpiresAt: Date.now() + 60_000,
    ...extra,
  });
  /** What another consumer would be told for `p` now. */
  const decide = async (p: PushJobData, token: string) => {
    const home = homes[shardIndexFor(p.recipientId, shards.shardCount)]!;
    return state.decide(clientOf(await home.acquire(Date.now() + 2000)), home.shard, positionOf(p)!, p.recipientId, token, 60_000);
  };

  after(async () => {
    await shards.close(1000);
    await deletePrefix(SHARED_REDIS_URL, config.queue.prefix);
  });

  it('gives a push without a collapseKey its turn at once, with a count of 0', async () => {
    const turn = await turns(1000, 1000).take(push('plain', 1, { collapseKey: undefined }), 'j');
    expect(turn).to.include({ kind: 'send', collapsedCount: 0 });
    // Nothing can take it away, so nothing listens for its loss.
    expect(turn).to.not.have.property('signal');
  });

  it('renews a held turn while the send runs, and hands it to the next push once finished', async () => {
    const older = push('m1', 1000);
    const newer = push('m2', 2000);
    const turn = await turns(300, 1000).take(older, 'j1');
    expect(turn.kind).to.equal('send');
    // Three leases long: without renewals the turn would have lapsed twice.
    const until = Date.now() + 900;
    await waitFor(async () => Date.now() > until && (await decide(newer, 'j2')).kind === 'wait', { timeoutMs: 3000, description: 'three leases to pass' });
    if (turn.kind !== 'send') throw new Error('no turn');
    expect(turn.signal?.aborted, 'a renewed turn is not lost').to.equal(false);
    await turn.finish(true);
    expect(await decide(newer, 'j2')).to.deep.include({ kind: 'send' });
  });

  it('aborts the send when a renewal finds another push holding the turn', async () => {
    const p = push('s1', 7000, { recipientId: 'dave' });
    const turn = await turns(300, 1000).take(p, 'j-lost');
    if (turn.kind !== 'send') throw new Error('no turn');
    // What a takeover after the lease lapsed leaves: another run's token as the holder.
    const home = homes[shardIndexFor('dave', shards.shardCount)]!;
    await withRedis(SHARED_REDIS_URL, (c) => call(c, 'HSET', keys.collapseKey(home.shard, 'room', 'dave'), 'h', 'another-run'));
    await waitFor(() => turn.signal?.aborted === true, { timeoutMs: 2000, description: 'the turn to be lost' });
    expect(turn.signal?.reason).to.be.instanceOf(TurnLostError).and.to.be.instanceOf(TransientPushError);
    expect((turn.signal?.reason as Error).message).to.match(/another push of the pair holds it/);
    await turn.finish(false);
  });

  it('fails a push as transient when another holds the turn longer than it may wait', async () => {
    const holder = push('h1', 5000, { recipientId: 'carol' });
    expect((await decide(holder, 'holder')).kind).to.equal('send');
    const started = Date.now();
    const failure = await turns(60_000, 200).take(push('h2', 6000, { recipientId: 'carol' }), 'waiter').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).to.be.instanceOf(TransientPushError);
    expect(Date.now() - started).to.be.within(200, 2000);
  });
});


describe('collapse turns: a lease that cannot be renewed (own redis-server, SIGSTOP)', function () {
  this.timeout(30_000);
  let server: RedisServerHandle;
  let shards: ShardSet;
  let keys: QueueKeys;

  before(async () => {
    server = await startRedisServer();
    const config = producerConfig(baseEnv({ REDIS_URL: server.url }));
    keys = new QueueKeys(config.queue.prefix);
    shards = ShardSet.create({ config, role: 'producer', log: silentLogger() });
  });

  after(async () => {
    if (server.running) sendSignal(server.pid, 'SIGCONT');
    await shards.close(1000);
    await server.stop();
  });

  it('aborts the send before the lease can lapse when no renewal gets through', async () => {
    const turns = new CollapseTurns(new CollapseState(keys), shards.lane('interactive'), (r) => shardIndexFor(r, shards.shardCount), {
      leaseMs: 600,
      waitMs: 1000,
      callTimeoutMs: 600,
    });
    const now = Date.now();
    const p: PushJobData = { messageId: 'f1', roomId: 'r', senderId: 's', recipientId: 'erin', notification: { body: 'x' }, acceptedAt: now, collapseKey: 'room', epoch: now.toString(36), recordExpiresAt: now + 60_000 };
    const started = Date.now();
    const turn = await turns.take(p, 'j-frozen');
    if (turn.kind !== 'send') throw new Error('no turn');
    const aborted = new Promise<number>((resolve) => turn.signal?.addEventListener('abort', () => resolve(Date.now() - started), { once: true }));
    sendSignal(server.pid, 'SIGSTOP');
    const after = await withTimeout(aborted, 3000, () => new Error('the turn was not lost'));
    process.stdout.write(`      send aborted ${after} ms after the turn was taken (lease 600 ms)\n`);
    // Due at 5/6 of the lease (500 ms) from the decision, the last renewal that got through: before another push
    // could take the turn at 600 ms. The upper bound leaves room for a loaded machine's late timers.
    expect(after).to.be.within(500, 900);
    expect(turn.signal?.reason).to.be.instanceOf(TurnLostError);
    sendSignal(server.pid, 'SIGCONT');
    await turn.finish(false);
  });
});
