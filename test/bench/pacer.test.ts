/** The stand-in proxy's rate cap: answers spaced 1000/cap ms apart, in arrival order, without bursts. */
import { expect } from 'chai';
import { Pacer } from '../../bench/pacer';

describe('bench pacer', () => {
  it('answers a lone request at once', () => {
    expect(new Pacer(1000).delay(5)).to.equal(0);
  });

  it('spaces requests that arrive together by 1000/cap ms', () => {
    const pacer = new Pacer(500);
    expect([0, 0, 0, 0].map((t) => pacer.delay(t))).to.deep.equal([0, 2, 4, 6]);
  });

  it('keeps no burst allowance after an idle spell', () => {
    const pacer = new Pacer(100);
    pacer.delay(0);
    expect(pacer.delay(1000)).to.equal(0);
    expect(pacer.delay(1000)).to.equal(10);
  });

  it('answers at the cap however many are offered', () => {
    const pacer = new Pacer(950);
    // 1,900 requests offered evenly over one second: the last is answered about 2 s in.
    const delays = Array.from({ length: 1900 }, (_, i) => i * (1000 / 1900) + pacer.delay(i * (1000 / 1900)));
    expect(delays[delays.length - 1]).to.be.closeTo((1899 * 1000) / 950, 1e-6);
  });

  it('refuses a cap that is not a positive number', () => {
    expect(() => new Pacer(0)).to.throw(RangeError);
    expect(() => new Pacer(Number.NaN)).to.throw(RangeError);
  });
});
