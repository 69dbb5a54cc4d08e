import { expect } from 'chai';
import { majorityOwner, nodesIn, parseClusterSlots } from '../../../src/redis/cluster-slots';

const reply = [
  [0, 5460, ['10.0.0.1', 7000, 'id1'], ['10.0.0.4', 7003, 'id4']],
  [5461, 16383, ['', 7001, 'id2']],
];

describe('cluster-slots', () => {
  it('parses ranges, masters and replicas, filling an unknown host with the asked one', () => {
    const ranges = parseClusterSlots(reply, 'seed');
    expect(ranges[0]).to.deep.equal({
      start: 0,
      end: 5460,
      master: { host: '10.0.0.1', port: 7000 },
      replicas: [{ host: '10.0.0.4', port: 7003 }],
    });
    expect(ranges[1]?.master).to.deep.equal({ host: 'seed', port: 7001 });
  });

  it('rejects malformed replies', () => {
    expect(() => parseClusterSlots('OK', 'h')).to.throw();
    expect(() => parseClusterSlots([[1, 2]], 'h')).to.throw();
  });

  it('trusts the majority over one stale node', () => {
    const current = parseClusterSlots([[0, 16383, ['h', 2]]], 'h');
    const stale = parseClusterSlots([[0, 16383, ['h', 1]]], 'h');
    expect(majorityOwner([stale, current, current], 42)).to.deep.equal({ host: 'h', port: 2 });
    expect(majorityOwner([current], 99_999)).to.equal(undefined);
  });

  it('lists every node the views mention', () => {
    expect(nodesIn([parseClusterSlots(reply, 'seed')]).map((n) => n.port).sort()).to.deep.equal([7000, 7001, 7003]);
  });
});
