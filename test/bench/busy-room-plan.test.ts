/** The busy-room traffic: rotating senders, room-minus-sender recipients, each recipient's newest message. */
import { expect } from 'chai';
import { burstPlan, newestFor, offeredPushes, roomMembers } from '../../bench/busy-room-plan';

describe('bench busy-room plan', () => {
  it('a 50-member room and 20 messages offer 980 pushes, senders rotating', () => {
    const members = roomMembers('room1', 50);
    const plan = burstPlan('room1', members, 20, 'b');
    expect(offeredPushes(plan)).to.equal(980);
    expect(plan.map((m) => m.senderId).slice(0, 3)).to.deep.equal(['room1u0', 'room1u1', 'room1u2']);
    for (const m of plan) expect(m.recipients).to.have.length(49).and.not.include(m.senderId);
    expect(plan[19]?.messageId).to.equal('b19');
  });

  it('the newest message of the last sender is the one before its own', () => {
    const members = roomMembers('r', 4);
    const plan = burstPlan('r', members, 6, 'm');
    const newest = newestFor(plan);
    // Message 5 is sent by ru1, so u1's newest is message 4; everyone else's is 5.
    expect(newest.get('ru1')?.messageId).to.equal('m4');
    expect(newest.get('ru0')?.messageId).to.equal('m5');
    expect(newest.size).to.equal(4);
  });
});
