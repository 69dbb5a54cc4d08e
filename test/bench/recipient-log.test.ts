/** What the stand-in proxy keeps per recipient while recording pushes. */
import { expect } from 'chai';
import { pushOf, RecipientLog } from '../../bench/recipient-log';

const body = (recipientId: string, messageId: string, collapsedCount?: number): string =>
  JSON.stringify({ messageId, roomId: 'room', senderId: 's', recipientId, notification: { body: 'x' }, collapsedCount });

describe('bench recipient log', () => {
  it('reads recipient, message and collapsedCount from a push body', () => {
    expect(pushOf(body('r:1', 'm1', 3))).to.deep.equal({ recipientId: 'r:1', messageId: 'm1', collapsedCount: 3 });
    expect(pushOf(body('r1', 'm1'))).to.deep.equal({ recipientId: 'r1', messageId: 'm1', collapsedCount: null });
    expect(pushOf('not json')).to.equal(undefined);
    expect(pushOf('{"messageId":"m1"}')).to.equal(undefined);
  });

  it('keeps each recipient’s pushes in arrival order with the last count and the sum', () => {
    const log = new RecipientLog();
    log.add(body('a', 'm1'), 10);
    log.add(body('b', 'm1'), 11);
    log.add(body('a', 'm3', 1), 12);
    log.add(body('a', 'm2'), 13);
    log.add('garbage', 14);
    const { recipients, unreadable } = log.snapshot();
    expect(unreadable).to.equal(1);
    expect(recipients['a']).to.deep.equal({ messageIds: ['m1', 'm3', 'm2'], at: [10, 12, 13], lastCollapsedCount: null, collapsedSum: 1 });
    expect(recipients['b']?.messageIds).to.deep.equal(['m1']);
  });
});
