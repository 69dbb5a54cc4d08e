/** The busy-room checks: newest-last per recipient, older after newer, backlog growth. */
import { expect } from 'chai';
import { backlogFigures, checkOrder, collapsedTotal, countOlderAfterNewer, overlapping, pushLatencies, quarterMarks } from '../../bench/busy-room-figures';
import { burstPlan, roomMembers } from '../../bench/busy-room-plan';
import type { RecipientPushes } from '../../bench/recipient-log';

const pushes = (messageIds: string[], collapsedSum = 0): RecipientPushes => ({
  messageIds,
  at: messageIds.map((_, i) => 100 + i),
  lastCollapsedCount: null,
  collapsedSum,
});

describe('bench busy-room figures', () => {
  const plan = burstPlan('r', roomMembers('r', 3), 3, 'm'); // m0 from ru0, m1 from ru1, m2 from ru2

  it('counts pushes older than one already received', () => {
    expect(countOlderAfterNewer([0, 1, 2])).to.equal(0);
    expect(countOlderAfterNewer([0, 2, 1, 1, 3])).to.equal(2);
    expect(countOlderAfterNewer([])).to.equal(0);
  });

  it('checks each recipient’s last push against its newest message', () => {
    const log = {
      ru0: pushes(['m1', 'm2']), // newest m2: fine
      ru1: pushes(['m2', 'm0']), // newest m2, last m0: stale, and older after newer
      // ru2 got nothing: its newest is m1, but it wrote m2 after it, so has read the room: fine
      other: pushes(['warm-up']),
    };
    expect(checkOrder(plan, log)).to.deep.equal({ recipients: 3, staleLast: 1, missing: 0, olderAfterNewer: 1, pushes: 4 });
  });

  it('holds a member who wrote last to nothing newer than its own message, and others to their newest', () => {
    const plan4 = burstPlan('r', roomMembers('r', 4), 3, 'm'); // ru3 never writes
    expect(checkOrder(plan4, { ru0: pushes(['m2']), ru1: pushes(['m2']), ru2: pushes(['m0']), ru3: pushes(['m2']) }).staleLast).to.equal(0);
    // ru3 never wrote: getting nothing is missing its newest.
    expect(checkOrder(plan4, { ru0: pushes(['m2']), ru1: pushes(['m2']), ru2: pushes(['m1']) })).to.include({ staleLast: 1, missing: 1 });
  });

  it('ignores pushes of messages outside the plan', () => {
    const log = { ru0: pushes(['m2', 'warm-up']), ru1: pushes(['m2']), ru2: pushes(['m1']) };
    expect(checkOrder(plan, log).staleLast).to.equal(0);
  });

  it('measures latency from each message’s POST start, and sums collapsed counts', () => {
    const log = { a: pushes(['m0', 'x'], 2), b: pushes(['m0'], 1) };
    expect(pushLatencies(log, new Map([['m0', 90]]))).to.deep.equal([10, 10]);
    expect(collapsedTotal(log)).to.equal(3);
  });

  it('reads the backlog at the marks and its growth between the first and last', () => {
    const samples = Array.from({ length: 61 }, (_, s) => ({ atS: s + 0.02, backlog: s * 100, answered: 0 }));
    const figures = backlogFigures(samples, quarterMarks(60));
    expect(figures.at.map((a) => a.second)).to.deep.equal([15, 30, 45, 60]);
    expect(figures.at[0]?.backlog).to.equal(1500);
    expect(figures.growthPerSecond).to.equal(100);
    expect(backlogFigures([], [15]).growthPerSecond).to.be.NaN;
  });

  it('counts messages posted before their room’s previous one was answered', () => {
    const answers = new Map([
      ['m0', { startedAt: 0, ms: 50 }],
      ['m1', { startedAt: 40, ms: 5 }], // before m0's answer at 50
      ['m2', { startedAt: 100, ms: 5 }],
    ]);
    expect(overlapping(plan, answers)).to.equal(1);
    expect(overlapping(plan, new Map())).to.equal(0);
  });
});
