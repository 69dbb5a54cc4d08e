import { expect } from 'chai';
import calculateSlot = require('cluster-key-slot');
import { LANES } from '../../../src/queue/lane';
import { QueueKeys } from '../../../src/queue/queue-keys';
import { shardIndexFor } from '../../../src/routing/shard-index';
import { allShards, buildShards, SLOT_COUNT } from '../../../src/queue/shards';
import { pushJobId } from '../../../src/push/push-job';

/** Which of three masters owns `slot`, with redis-cli's usual contiguous split. */
function masterOf(slot: number): number {
  return slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2;
}

/** The first interactive shards of 16 as released: queued jobs live under these names and slots. */
const FIRST_SHARDS_OF_16 = [
  ['s0of16.5', 497],
  ['s1of16.60', 1522],
  ['s2of16.59', 2557],
];

describe('queue-keys', () => {
  it('gives every shard a hash tag whose keys share one slot', () => {
    const keys = new QueueKeys('pf');
    for (const shard of buildShards(16)) {
      const names = (['jobs', 'waiting', 'active', 'delayed', 'stalling'] as const).map((s) => keys.beeKey(shard, s));
      expect(new Set(names.map((n) => calculateSlot(n)))).to.deep.equal(new Set([shard.slot]));
      expect(shard.queueName).to.equal(`{${shard.tag}}`);
    }
  });

  it("gives the parts a script joins into a push's packed-marker key, in the push's own slot", () => {
    const keys = new QueueKeys('pf');
    for (const shard of buildShards(16, 'bulk')) {
      const { stem, separator } = keys.outcomeBitsKeyParts(shard);
      for (const [messageId, epoch] of [['m1', '1700000000000-ab'], ['chat-9_x', 'e'], ['{x}', '7']] as const) {
        const joined = `${stem}${messageId}${separator}${epoch}`;
        expect(joined).to.equal(keys.outcomeBitsKey(shard, messageId, epoch));
        expect(calculateSlot(joined)).to.equal(shard.slot);
        // Every key the outcome scripts touch (record-outcome, read-outcomes) is in that slot too.
        const touched = [keys.outcomesKey(shard, messageId, epoch), keys.totalsKey(shard), keys.outcomeBitsKey(shard, messageId)];
        expect(new Set(touched.map((k) => calculateSlot(k)))).to.deep.equal(new Set([shard.slot]));
      }
    }
  });

  it('is deterministic: fixed tags, so a restart finds the queues it left', () => {
    // Fixed expectations, not one call against another: both calls would share any change.
    expect(buildShards(16).slice(0, 3).map((s) => [s.tag, s.slot])).to.deep.equal(FIRST_SHARDS_OF_16);
  });

  it("spreads each lane's shards evenly over the slot space", () => {
    for (const lane of LANES) {
      for (const count of [3, 8, 16, 64]) {
        const width = SLOT_COUNT / count;
        for (const shard of buildShards(count, lane)) {
          expect(Math.floor(shard.slot / width), `${lane} shard ${shard.index} of ${count}`).to.equal(shard.index);
        }
      }
    }
  });

  it("splits each lane's 16 shards 5/6/5 over three masters", () => {
    for (const lane of LANES) {
      const perMaster = [0, 0, 0];
      for (const shard of buildShards(16, lane)) perMaster[masterOf(shard.slot)]! += 1;
      expect(perMaster, lane).to.deep.equal([5, 6, 5]);
    }
  });

  it('keeps the pre-lanes queue names for the interactive lane, and gives bulk its own', () => {
    // A backlog written before lanes existed sits under these names: they must still be consumed.
    expect(buildShards(16).map((s) => s.queueName)).to.deep.equal(buildShards(16, 'interactive').map((s) => s.queueName));
    expect(buildShards(16, 'bulk')[0]?.tag).to.match(/^b0of16\./);
    const names = allShards(16).map((s) => s.queueName);
    expect(new Set(names).size).to.equal(32);
    expect(allShards(16).filter((s) => s.lane === 'bulk')).to.have.length(16);
  });

  it('maps a recipient to the same shard every time', () => {
    // Fixed expectations: a change here would strand queued pushes on old shards.
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
