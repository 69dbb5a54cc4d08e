import { expect } from 'chai';
import { groupByShard, uniqueRecipients } from '../../../src/message/expand';
import { shardIndexFor } from '../../../src/routing/shard-index';

describe('expand', () => {
  it('drops the sender', () => {
    expect(uniqueRecipients(['a', 'b', 'c'], 'b')).to.deep.equal(['a', 'c']);
  });

  it('drops repeated ids, keeping first-seen order', () => {
    expect(uniqueRecipients(['c', 'a', 'c', 'b', 'a'], 'x')).to.deep.equal(['c', 'a', 'b']);
  });

  it('returns nothing for a room of only the sender', () => {
    expect(uniqueRecipients(['s', 's'], 's')).to.deep.equal([]);
  });

  it('groups recipients by their stable shard', () => {
    const ids = Array.from({ length: 100 }, (_, i) => `u${i}`);
    const groups = groupByShard(ids, 4);
    expect(groups).to.have.length(4);
    expect(groups.flat().sort()).to.deep.equal([...ids].sort());
    groups.forEach((group, shard) => group.forEach((id) => expect(shardIndexFor(id, 4)).to.equal(shard)));
  });
});
