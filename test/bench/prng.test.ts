/** The bench's seeded generator: repeatable, in range, and different per seed. */
import { expect } from 'chai';
import { intBetween, seededRandom } from '../../bench/prng';

describe('bench prng', () => {
  it('gives the same sequence for the same seed', () => {
    const a = seededRandom(10);
    const b = seededRandom(10);
    const first = Array.from({ length: 50 }, () => a());
    expect(Array.from({ length: 50 }, () => b())).to.deep.equal(first);
  });

  it('gives a different sequence for another seed', () => {
    const a = seededRandom(10);
    const b = seededRandom(11);
    expect(Array.from({ length: 5 }, () => a())).to.not.deep.equal(Array.from({ length: 5 }, () => b()));
  });

  it('stays in [0, 1)', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 10_000; i++) {
      const v = random();
      expect(v).to.be.at.least(0).and.below(1);
    }
  });

  it('intBetween covers both ends of the range and nothing outside it', () => {
    const random = seededRandom(42);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) seen.add(intBetween(random, 2, 50));
    expect(Math.min(...seen)).to.equal(2);
    expect(Math.max(...seen)).to.equal(50);
    expect(seen.size).to.equal(49);
  });

  it('intBetween refuses an empty or fractional range', () => {
    const random = seededRandom(1);
    expect(() => intBetween(random, 5, 4)).to.throw(RangeError);
    expect(() => intBetween(random, 1.5, 4)).to.throw(RangeError);
  });
});
