import { expect } from 'chai';
import calculateSlot = require('cluster-key-slot');
import { buildShards, pushJobId, QueueKeys, shardIndexFor, SLOT_COUNT } from '../../../src/queue/queue-keys';

/** Which of three masters owns `slot`, with redis-cli's usual contiguous split. */
function masterOf(slot: number): number {
  return slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2;
}

describe('queue-keys', () => {
  it('gives every shard a hash tag whose keys share one slot', () => {
    const keys = new QueueKeys('pf');
    for (const shard of buildShards(16)) {
      const names = ['jobs', 'waiting', 'active', 'delayed', 'stalling'].map((s) => keys.beeKey(shard, s));
      expect(new Set(names.map((n) => calculateSlot(n)))).to.deep.equal(new Set([shard.slot]));
      expect(shard.queueName).to.equal(`{${shard.tag}}`);
    }
  });

  it('is deterministic', () => {
    expect(buildShards(16)).to.deep.equal(buildShards(16));
    expect(buildShards(16)[0]?.tag).to.equal('s0of16.5');
  });

  it('spreads shards evenly over the slot space', () => {
    for (const count of [3, 8, 16, 64]) {
      const width = SLOT_COUNT / count;
      for (const shard of buildShards(count)) {
        expect(Math.floor(shard.slot / width), `shard ${shard.index} of ${count}`).to.equal(shard.index);
      }
    }
  });

  it('splits 16 shards 5/6/5 over three masters', () => {
    const perMaster = [0, 0, 0];
    for (const shard of buildShards(16)) perMaster[masterOf(shard.slot)]! += 1;
    expect(perMaster).to.deep.equal([5, 6, 5]);
  });

  it('maps a recipient to the same shard every time', () => {
    // Fixed expectations: a change here would strand queued pushes on old shards.
    expect(shardIndexFor('alice', 16)).to.equal(shardIndexFor('alice', 16));
    expect([shardIndexFor('alice', 16), shardIndexFor('bob', 16), shardIndexFor('user-12345', 16)]).to.deep.equal([
      7, 4, 0,
    ]);
  });

  it('spreads recipients roughly evenly', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[shardIndexFor(`user-${i}`, 16)]! += 1;
    for (const count of counts) expect(count).to.be.within(800, 1200);
  });

  it('builds job ids from message and recipient', () => {
    expect(pushJobId('m1', 'u2')).to.equal('m1:u2');
    expect(pushJobId('m1', 'u:2', 'mi5x2k3a')).to.equal('m1:mi5x2k3a:u:2');
  });
});
