import { expect } from 'chai';
import type { RedisClient } from 'redis';
import { listFingerprint } from '../../../src/core/hash';
import { MessageRecords } from '../../../src/message/message-records';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { buildShards } from '../../../src/queue/shards';
import { SHARED_REDIS_URL, uniquePrefix } from '../../support/env';
import { call, connectClient, deletePrefix, quitClient } from '../../support/redis';

describe('message records: confirming a claim before the intake WAITs (real Redis)', () => {
  const prefix = uniquePrefix();
  const keys = new QueueKeys(prefix);
  const records = new MessageRecords(keys);
  const shard = buildShards(4, 'interactive')[1]!;
  const fingerprint = listFingerprint(['a', 'b']);
  let client: RedisClient;

  before(async () => {
    client = await connectClient(SHARED_REDIS_URL);
  });

  after(async () => {
    await quitClient(client);
    await deletePrefix(SHARED_REDIS_URL, prefix);
  });

  const claim = (id: string, owner: string) => records.claim(client, shard, id, { owner, leaseMs: 5000, ttlSeconds: 60, fingerprint });
  const hash = (id: string) => call<Record<string, string> | null>(client, 'HGETALL', keys.messageKey(shard, id));

  async function claimed(id: string, owner: string): Promise<{ leaseMs: number; epoch: string; expiresAt: number; fingerprint: string }> {
    const result = await claim(id, owner);
    if (result.kind !== 'claimed') throw new Error(`expected a claim, got ${result.kind}`);
    return { leaseMs: 20_000, epoch: result.epoch, expiresAt: result.expiresAt, fingerprint };
  }

  it("renews the owner's lease and changes nothing else", async () => {
    const hold = await claimed('held', 'me');
    const before = await hash('held');
    expect(await records.confirm(client, shard, 'held', 'me', hold)).to.equal('held');
    const after = await hash('held');
    expect(Number(after?.['lease'])).to.be.above(Number(before?.['lease']));
    expect({ ...after, lease: '' }).to.deep.equal({ ...before, lease: '' });
  });

  it('writes a claim a failover took again, with its epoch, expiry and fingerprint, so a repeat finds that epoch', async () => {
    const hold = await claimed('lost-claim', 'me');
    const before = await hash('lost-claim');
    // What a master's failover leaves when the claim had not reached the replica yet.
    await call(client, 'DEL', keys.messageKey(shard, 'lost-claim'));
    expect(await records.confirm(client, shard, 'lost-claim', 'me', hold)).to.equal('restored');
    const after = await hash('lost-claim');
    expect(after).to.include({ state: 'pending', owner: 'me', epoch: hold.epoch, expiresAt: String(hold.expiresAt), fingerprint });
    expect(before).to.include({ epoch: after?.['epoch'], expiresAt: after?.['expiresAt'], fingerprint: after?.['fingerprint'] });
    const pttl = await call<number>(client, 'PTTL', keys.messageKey(shard, 'lost-claim'));
    expect(pttl).to.be.within(50_000, 60_000);
    // The intake completes as usual, and a repeat of the message is answered as a duplicate.
    expect(await records.complete(client, shard, 'lost-claim', 'me', { count: 2, lane: 'interactive' }, 60)).to.equal(true);
    expect(await claim('lost-claim', 'someone else')).to.deep.equal({ kind: 'duplicate', accepted: 2, lane: 'interactive' });
  });

  it('says lost when another request holds the id, and leaves its claim alone', async () => {
    const hold = await claimed('taken', 'me');
    await call(client, 'HSET', keys.messageKey(shard, 'taken'), 'owner', 'other');
    const before = await hash('taken');
    expect(await records.confirm(client, shard, 'taken', 'me', hold)).to.equal('lost');
    expect(await hash('taken')).to.deep.equal(before);
  });

  it('says accepted, and writes nothing, when the message was completed already', async () => {
    const hold = await claimed('done', 'me');
    await records.complete(client, shard, 'done', 'me', { count: 2, lane: 'bulk' }, 60);
    const before = await hash('done');
    expect(await records.confirm(client, shard, 'done', 'me', hold)).to.equal('accepted');
    expect(await hash('done')).to.deep.equal(before);
  });

  it('does not restore a claim whose record has expired', async () => {
    const hold = { leaseMs: 1000, epoch: 'e', expiresAt: Date.now() - 1, fingerprint };
    expect(await records.confirm(client, shard, 'expired', 'me', hold)).to.equal('lost');
    expect(await hash('expired')).to.satisfy((h: Record<string, string> | null) => h === null || Object.keys(h).length === 0);
  });
});
