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

  it("makes the sender's own message the latest of their pair without counting it: their waiting pushes collapse", async () => {
    await state.bump(client, shard, at(100, 'm1'), ['bob']);
    await state.bump(client, shard, at(200, 'm2'), ['bob']);
    await state.markSeen(client, shard, at(300, 'm3-by-bob'), 'bob');
    expect(await fields()).to.include({ lt: '300', lm: 'm3-by-bob', a: '2', sa: '2' });
    expect(await state.decide(client, shard, at(200, 'm2'), 'bob', 'j2', 1000)).to.deep.equal({ kind: 'collapsed' });
    // The next message bob receives reports nothing before his own.
    await state.bump(client, shard, at(400, 'm4'), ['bob']);
    expect(await state.decide(client, shard, at(400, 'm4'), 'bob', 'j4', 1000)).to.deep.equal({ kind: 'send', collapsedCount: 0, mark: 3 });
    // An older message of his (a late takeover) moves nothing back.
    await state.markSeen(client, shard, at(150, 'm0-by-bob'), 'bob');
    expect(await fields()).to.include({ lt: '400', lm: 'm4', a: '3', sa: '2' });
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
    expect(Object.keys(await fields()).sort()).to.deep.equal(['a', 'fm', 'ft', 'h', 'hj', 'hl', 'lm', 'lt', 'x']);
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

  it('makes a second run of the holding job wait for the first run, superseded or not, and frees the pair once that lease ends', async () => {
    await state.bump(client, shard, at(100, 'm1'), ['bob']);
    expect((await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1/run-a', 1500, 'j1')).kind).to.equal('send');
    // Bee-Queue re-ran j1 as stalled while run a is still sending: run b must not send beside it.
    expect((await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1/run-b', 1500, 'j1')).kind).to.equal('wait');
    await state.bump(client, shard, at(200, 'm2'), ['bob']);
    // Superseded now, but run a may still deliver: run b neither records it collapsed nor frees the turn.
    expect((await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1/run-b', 1500, 'j1')).kind).to.equal('wait');
    expect((await state.decide(client, shard, at(200, 'm2'), 'bob', 'j2/run-a', 1500, 'j2')).kind).to.equal('wait');
    // Run a died (its lease ran out): run b is collapsed and gives the turn back at once, and m2 goes.
    await waitFor(async () => (await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1/run-b', 1500, 'j1')).kind === 'collapsed', {
      timeoutMs: 5000,
      description: "run a's lease to end",
    });
    expect(await fields()).to.not.have.any.keys('h', 'hl', 'hj');
    expect(await state.decide(client, shard, at(200, 'm2'), 'bob', 'j2/run-a', 1500, 'j2')).to.deep.include({ kind: 'send', collapsedCount: 1 });
  });

  it('lets the run that holds the turn decide again and keep it', async () => {
    await state.bump(client, shard, at(100, 'm1'), ['bob']);
    expect((await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1/run-a', 60_000, 'j1')).kind).to.equal('send');
    expect((await state.decide(client, shard, at(100, 'm1'), 'bob', 'j1/run-a', 60_000, 'j1')).kind).to.equal('send');
  });

  it('leaves scheduled pushes out: a sendAt message would otherwise supersede the waiting ones until it is due', () => {
    const push = { messageId: 'm', collapseKey: 'k', epoch: (1_700_000_000_000).toString(36), recordExpiresAt: 5 };
    expect(positionOf({ ...push, sendAt: 1_700_000_100_000 })).to.equal(undefined);
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
