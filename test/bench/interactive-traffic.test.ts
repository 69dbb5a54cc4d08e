/** The broadcast scenario's interactive messages: seeded sizes in range, and a bounded count. */
import { expect } from 'chai';
import { interactiveMessages, type TrafficPlan } from '../../bench/interactive-traffic';

const plan: TrafficPlan = { seed: 10, messagesPerSecond: 20, minRecipients: 2, maxRecipients: 50, maxSeconds: 3 };

function sizes(next: ReturnType<typeof interactiveMessages>, count: number): number[] {
  return Array.from({ length: count }, (_, i) => next(i)?.recipients.length ?? -1);
}

describe('bench interactive traffic', () => {
  it('gives the same sizes for the same seed, each within 2–50 recipients', () => {
    const a = sizes(interactiveMessages(plan, 'ia1n', () => false), 60);
    expect(sizes(interactiveMessages(plan, 'ia1n', () => false), 60)).to.deep.equal(a);
    expect(Math.min(...a)).to.be.at.least(2);
    expect(Math.max(...a)).to.be.at.most(50);
  });

  it('names messages by tag and index', () => {
    expect(interactiveMessages(plan, 'ia2n', () => false)(7)?.messageId).to.equal('ia2n7');
  });

  it('ends at maxSeconds × messagesPerSecond messages, or as soon as told to stop', () => {
    const next = interactiveMessages(plan, 'x', () => false);
    expect(next(59)).to.not.equal(undefined);
    expect(next(60)).to.equal(undefined);
    let stop = false;
    const stoppable = interactiveMessages(plan, 'x', () => stop);
    expect(stoppable(0)).to.not.equal(undefined);
    stop = true;
    expect(stoppable(1)).to.equal(undefined);
  });
});
