import { expect } from 'chai';
import { CollapseState, positionOf } from '../../../src/collapse/collapse-state';
import { CollapseTurns } from '../../../src/collapse/collapse-turn';
import { TransientPushError } from '../../../src/core/errors';
import { silentLogger } from '../../../src/core/logger';
import { waitFor } from '../../../src/core/wait-for';
import type { PushJobData } from '../../../src/push/push-job';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { clientOf } from '../../../src/routing/on-shard';
import { shardIndexFor } from '../../../src/routing/shard-index';
import { ShardSet } from '../../../src/routing/shard-set';
import { baseEnv, producerConfig, SHARED_REDIS_URL } from '../../support/env';
import { deletePrefix } from '../../support/redis';

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
  });

  it('renews a held turn while the send runs, and hands it to the next push once finished', async () => {
    const older = push('m1', 1000);
    const newer = push('m2', 2000);
    const turn = await turns(300, 1000).take(older, 'j1');
    expect(turn.kind).to.equal('send');
    // Three leases long: without renewals the turn would have lapsed twice.
    const until = Date.now() + 900;
    await waitFor(async () => Date.now() > until && (await decide(newer, 'j2')).kind === 'wait', { timeoutMs: 3000, description: 'three leases to pass' });
    if (turn.kind === 'send') await turn.finish(true);
    expect(await decide(newer, 'j2')).to.deep.include({ kind: 'send' });
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
