import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { CollapseState, type Position, positionOf } from '../../../src/collapse/collapse-state';
import { waitFor } from '../../../src/core/wait-for';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { buildShards } from '../../../src/queue/shards';
import { SHARED_REDIS_URL, uniquePrefix } from '../../support/env';
import { call, connectClient, deletePrefix, quitClient } from '../../support/redis';

describe('collapse state scripts (real Redis)', () => {
  const shard = buildShards(4)[1]!;
  let prefix: string;
  let keys: QueueKeys;
  let state: CollapseState;
  let client: RedisClient;
  const future = (): number => Date.now() + 60_000;
  const at = (epochMs: number, messageId: string, recordExpiresAt = future()): Position => ({ collapseKey: 'room:7', epochMs, messageId, recordExpiresAt });
  const fields = async (recipient = 'bob'): Promise<Record<string, string>> =>
    (await call<Record<string, string> | null>(client, 'HGETALL', keys.collapseKey(shard, 'room:7', recipient))) ?? {};

  beforeEach(async () => {
    prefix = uniquePrefix();
    keys = new QueueKeys(prefix);
    state = new CollapseState(keys);
    client = await connectClient(SHARED_REDIS_URL);
  });

  afterEach(async () => {
    await quitClient(client);
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  it('names the pair by a length-prefixed key in the shard slot, and takes part only with a collapseKey and an epoch', () => {
    expect(keys.collapseKey(shard, 'a:b', 'c')).to.equal(`${prefix}:${shard.queueName}:col:3:a:b:c`);
    expect(keys.collapseKey(shard, 'a', 'b:c')).to.not.equal(keys.collapseKey(shard, 'a:b', 'c'));
    const push = { messageId: 'm', collapseKey: 'k', epoch: (1_700_000_000_000).toString(36), recordExpiresAt: 5 };
    expect(positionOf(push)).to.deep.equal({ collapseKey: 'k', epochMs: 1_700_000_000_000, messageId: 'm', recordExpiresAt: 5 });
    expect(positionOf({ ...push, collapseKey: undefined })).to.equal(undefined);
    expect(positionOf({ ...push, epoch: undefined })).to.equal(undefined);
  });

  it('counts a message once per pair: a repeated bump (an intake takeover) or an older one changes nothing', async () => {
    await state.bump(client, shard, at(100, 'm1'), ['bob', 'carol']);
    await state.bump(client, shard, at(200, 'm2'), ['bob']);
    await state.bump(client, shard, at(200, 'm2'), ['bob']);
    await state.bump(client, shard, at(100, 'm1'), ['bob']);
    expect(await fields()).to.include({ lt: '200', lm: 'm2', a: '2' });
    expect(await fields('carol')).to.include({ lt: '100', lm: 'm1', a: '1' });
  });

  it('breaks a tie of epochs by message id, byte by byte', async () => {
    await state.bump(client, shard, at(100, 'm-b'), ['bob']);
    await state.bump(client, shard, at(100, 'm-a'), ['bob']);
    await state.bump(client, shard, at(100, 'M-z'), ['bob']);
    expect(await fields()).to.include({ lm: 'm-b', a: '1' });
    expect(await state.decide(client, shard, at(100, 'm-a'), 'bob', 'j-a', 1000)).to.deep.equal({ kind: 'collapsed' });
  });

  it('extends the expiry to the latest record expiry and never shortens it', async () => {
    const key = keys.collapseKey(shard, 'room:7', 'bob');
    const far = Date.now() + 600_000;
    await state.bump(client, shard, at(100, 'm1', far), ['bob']);
    await state.bump(client, shard, at(200, 'm2', Date.now() + 30_000), ['bob']);
    expect(await call<number>(client, 'PEXPIRETIME', key)).to.equal(far);
    await state.decide(client, shard, at(200, 'm2', Date.now() + 10_000), 'bob', 'j2', 1000);
    expect(await call<number>(client, 'PEXPIRETIME', key)).to.equal(far);
    expect(Object.keys(await fields()).sort()).to.deep.equal(['a', 'fm', 'ft', 'h', 'hl', 'lm', 'lt', 'x']);
  });

  it('sends only the newest push, with the count of those it replaced, and collapses the older ones', async () => {
    for (let i = 1; i <= 5; i++) await state.bump(client, shard, at(100 * i, `m${i}`), ['bob']);
    for (let i = 1; i <= 4; i++) expect(await state.decide(client, shard, at(100 * i, `m${i}`), 'bob', `j${i}`, 1000)).to.deep.equal({ kind: 'collapsed' });
    expect(await state.decide(client, shard, at(500, 'm5'), 'bob', 'j5', 1000)).to.deep.equal({ kind: 'send', collapsedCount: 4, mark: 5 });
    await state.release(client, shard, at(500, 'm5'), 'bob', 'j5', 5);
    await state.bump(client, shard, at(600, 'm6'), ['bob']);
    expect(await state.decide(client, shard, at(600, 'm6'), 'bob', 'j6', 1000), 'nothing replaced since the last delivery').to.deep.equal({
      kind: 'send',
      collapsedCount: 0,
      mark: 6,
    });
  });

  it('makes a newer push wait while an older one holds the turn, and collapses the older one once the newer started', async () => {
    await state.bump(client, shard, at(100, 'm1'), ['bob']);
    expect((await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1', 5000)).kind).to.equal('send');
    await state.bump(client, shard, at(200, 'm2'), ['bob']);
    const wait = await state.decide(client, shard, at(200, 'm2'), 'bob', 'j2', 5000);
    expect(wait.kind).to.equal('wait');
    expect(wait.kind === 'wait' && wait.ms).to.be.within(1, 5000);
    await state.release(client, shard, at(100, 'm1'), 'bob', 'j2', 0);
    expect((await state.decide(client, shard, at(200, 'm2'), 'bob', 'j2', 5000)).kind, "another token cannot release the holder's turn").to.equal('wait');
    await state.release(client, shard, at(100, 'm1'), 'bob', 'j1', 0);
    expect(await state.decide(client, shard, at(200, 'm2'), 'bob', 'j2', 5000)).to.deep.equal({ kind: 'send', collapsedCount: 1, mark: 2 });
    expect(await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1', 5000), 'a retry of the older push after the newer started').to.deep.equal({ kind: 'collapsed' });
  });

  it('lets a re-run of the holder send again, and gives the turn back at once when the re-run is superseded', async () => {
    await state.bump(client, shard, at(100, 'm1'), ['bob']);
    expect((await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1', 60_000)).kind).to.equal('send');
    expect((await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1', 60_000)).kind, 'the same job run again (after a crash)').to.equal('send');
    await state.bump(client, shard, at(200, 'm2'), ['bob']);
    expect((await state.decide(client, shard, at(200, 'm2'), 'bob', 'j2', 60_000)).kind).to.equal('wait');
    expect(await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1', 60_000)).to.deep.equal({ kind: 'collapsed' });
    expect((await state.decide(client, shard, at(200, 'm2'), 'bob', 'j2', 60_000)).kind, 'no wait for the lease of a collapsed holder').to.equal('send');
  });

  it('lets a waiting push take over once the holder stops renewing, and not while it renews', async () => {
    await state.bump(client, shard, at(100, 'm1'), ['bob']);
    await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1', 300);
    await state.bump(client, shard, at(200, 'm2'), ['bob']);
    const renewUntil = Date.now() + 600;
    while (Date.now() < renewUntil) {
      expect(await state.renew(client, shard, at(100, 'm1'), 'bob', 'j1', 300)).to.equal(true);
      expect((await state.decide(client, shard, at(200, 'm2'), 'bob', 'j2', 300)).kind).to.equal('wait');
    }
    await waitFor(async () => (await state.decide(client, shard, at(200, 'm2'), 'bob', 'j2', 300)).kind === 'send', {
      timeoutMs: 2000,
      intervalMs: 20,
      description: 'the lapsed lease to be taken over',
    });
    expect(await state.renew(client, shard, at(100, 'm1'), 'bob', 'j1', 300), 'the old holder lost its turn').to.equal(false);
  });

  it('answers stale for a push whose pair state and record are gone, and never recreates state on release', async () => {
    const past = Date.now() - 1000;
    expect(await state.decide(client, shard, at(100, 'm1', past), 'bob', 'j1', 1000)).to.deep.equal({ kind: 'stale' });
    await state.release(client, shard, at(100, 'm1', past), 'bob', 'j1', 3);
    expect(await fields()).to.deep.equal({});
    expect((await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1', 1000)).kind, 'lost bump, live record: sent').to.equal('send');
    expect(await fields()).to.include({ lt: '100', a: '1' });
  });
});
