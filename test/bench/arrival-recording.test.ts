/** What the stand-in proxy records: followed message ids in full, the rest as a span. */
import { expect } from 'chai';
import { ArrivalRecording, messageIdOf } from '../../bench/arrival-recording';

describe('bench arrival recording', () => {
  it('takes the message id from an Idempotency-Key', () => {
    expect(messageIdOf('ia1n3:r1a')).to.equal('ia1n3');
    expect(messageIdOf('no-colon')).to.equal('no-colon');
  });

  it('follows every message id without a prefix', () => {
    const rec = new ArrivalRecording();
    rec.add('m1:r0', 10);
    rec.add('m1:r1', 12);
    rec.add('m2:r0', 11);
    expect(rec.arrivals()).to.deep.equal({ m1: [10, 12], m2: [11] });
    expect(rec.others()).to.deep.equal({ count: 0, firstAt: 0, lastAt: 0 });
  });

  it('with a prefix, keeps times only of matching ids and spans the others', () => {
    const rec = new ArrivalRecording('ia');
    rec.add('bc1m:r0', 100);
    rec.add('ia1n0:r0', 105);
    rec.add('bc1m:r1', 103);
    rec.add('bc1m:r2', 120);
    rec.add('ia1n0:r1', 121);
    expect(rec.arrivals()).to.deep.equal({ ia1n0: [105, 121] });
    expect(rec.others()).to.deep.equal({ count: 3, firstAt: 100, lastAt: 120 });
  });

  it('hands out a copy of the span', () => {
    const rec = new ArrivalRecording('ia');
    rec.add('bc:r0', 1);
    const span = rec.others();
    rec.add('bc:r1', 2);
    expect(span.count).to.equal(1);
  });
});
