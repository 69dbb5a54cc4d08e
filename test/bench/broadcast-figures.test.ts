/** The broadcast scenario's rate window and target verdicts. */
import { expect } from 'chai';
import { checkTargets, windowRate } from '../../bench/broadcast-figures';

describe('bench broadcast figures', () => {
  describe('windowRate', () => {
    it('is the broadcast alone first-to-last rate without interactive arrivals', () => {
      const rate = windowRate({ count: 10_001, firstAt: 1_000, lastAt: 2_000 }, []);
      expect(rate).to.deep.equal({ pushes: 10_001, ms: 1_000, pps: 10_000 });
    });

    it('counts only interactive arrivals inside the broadcast window, ends included', () => {
      const rate = windowRate({ count: 1_000, firstAt: 1_000, lastAt: 2_000 }, [999, 1_000, 1_500, 2_000, 2_001]);
      expect(rate.pushes).to.equal(1_003);
      expect(rate.pps).to.equal(1_002);
    });

    it('is NaN for an empty window', () => {
      expect(windowRate({ count: 0, firstAt: 0, lastAt: 0 }, []).pps).to.be.NaN;
    });
  });

  describe('checkTargets', () => {
    it('judges the medians and counts the runs that met each target', () => {
      const runs = [
        { p99Ms: 40, maxMs: 300, mixedVsAlone: 0.95 },
        { p99Ms: 120, maxMs: 200, mixedVsAlone: 0.85 },
        { p99Ms: 90, maxMs: 240, mixedVsAlone: 0.91 },
      ];
      const [p99, max, ratio] = checkTargets(runs);
      expect(p99).to.include({ median: 90, met: true, runsMet: 2, runs: 3 });
      expect(max).to.include({ median: 240, met: true, runsMet: 2 });
      expect(ratio).to.include({ median: 0.91, met: true, runsMet: 2 });
    });

    it('a target on its boundary is met; today-like figures are not', () => {
      expect(checkTargets([{ p99Ms: 100, maxMs: 250, mixedVsAlone: 0.9 }]).map((t) => t.met)).to.deep.equal([true, true, true]);
      expect(checkTargets([{ p99Ms: 11_000, maxMs: 13_000, mixedVsAlone: 1 }]).map((t) => t.met)).to.deep.equal([false, false, true]);
    });

    it('never meets a target without samples', () => {
      const checks = checkTargets([{ p99Ms: Number.NaN, maxMs: Number.NaN, mixedVsAlone: Number.NaN }]);
      expect(checks.map((t) => t.met)).to.deep.equal([false, false, false]);
      expect(checks.map((t) => t.runsMet)).to.deep.equal([0, 0, 0]);
    });
  });
});
