/** The benchmark's statistics helpers: exact on tiny and awkward inputs. */
import { expect } from 'chai';
import { median, medianOf, percentile, perSecond, range, ratio } from '../../bench/stats';

describe('bench stats', () => {
  describe('median', () => {
    it('takes the middle of an odd count, unsorted input', () => {
      expect(median([5, 1, 3])).to.equal(3);
    });
    it('averages the two middle values of an even count', () => {
      expect(median([4, 1, 3, 2])).to.equal(2.5);
    });
    it('is the value itself for one run', () => {
      expect(median([7])).to.equal(7);
    });
    it('is NaN when empty and ignores non-finite values', () => {
      expect(median([])).to.be.NaN;
      expect(median([Number.NaN, 2, Number.POSITIVE_INFINITY, 4])).to.equal(3);
    });
    it('does not reorder its input', () => {
      const values = [3, 1, 2];
      median(values);
      expect(values).to.deep.equal([3, 1, 2]);
    });
  });

  describe('percentile (nearest rank)', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    it('gives p50 and p99 of 1..100', () => {
      expect(percentile(hundred, 50)).to.equal(50);
      expect(percentile(hundred, 99)).to.equal(99);
      expect(percentile(hundred, 100)).to.equal(100);
    });
    it('gives the largest sample as p99 of 50 samples', () => {
      const fifty = Array.from({ length: 50 }, (_, i) => 50 - i);
      expect(percentile(fifty, 99)).to.equal(50);
      expect(percentile(fifty, 50)).to.equal(25);
    });
    it('gives the only sample for one sample', () => {
      expect(percentile([42], 1)).to.equal(42);
      expect(percentile([42], 99)).to.equal(42);
    });
    it('is NaN when empty and rejects a bad p', () => {
      expect(percentile([], 50)).to.be.NaN;
      expect(() => percentile([1], 0)).to.throw(RangeError);
      expect(() => percentile([1], 101)).to.throw(RangeError);
    });
  });

  describe('ratio, perSecond, medianOf, range', () => {
    it('divides, and is NaN without a base', () => {
      expect(ratio(1, 4)).to.equal(0.25);
      expect(ratio(1, 0)).to.be.NaN;
      expect(ratio(Number.NaN, 2)).to.be.NaN;
    });
    it('turns a count and milliseconds into a rate', () => {
      expect(perSecond(500, 250)).to.equal(2000);
      expect(perSecond(5, 0)).to.be.NaN;
    });
    it('takes the median of a field, leaving out runs without it', () => {
      const runs = [{ v: 1 }, { v: undefined }, { v: 9 }, { v: 5 }];
      expect(medianOf(runs, (r) => r.v)).to.equal(5);
    });
    it('finds min and max', () => {
      expect(range([3, 1, 2])).to.deep.equal({ min: 1, max: 3 });
      expect(range([]).min).to.be.NaN;
    });
  });
});
