/**
 * The stand-in proxy's optional rate cap: requests queue at the proxy and
 * are answered one per 1000/cap ms, in arrival order, so an upstream that
 * "can take only 950 pushes/s" is one that answers at most 950 per second,
 * however many the consumers offer. Strict spacing, no burst allowance: a
 * proxy idle for a second does not then answer a second's worth at once.
 */

/** Spaces answers `1000 / perSecond` ms apart. */
export class Pacer {
  private nextFreeAt = Number.NEGATIVE_INFINITY;
  private readonly intervalMs: number;

  constructor(readonly perSecond: number) {
    if (!(Number.isFinite(perSecond) && perSecond > 0)) throw new RangeError(`cap must be a positive number, got ${perSecond}`);
    this.intervalMs = 1000 / perSecond;
  }

  /** Milliseconds to hold a request that arrived at `now` (ms, any monotonic clock) before answering it. */
  delay(now: number): number {
    const at = Math.max(now, this.nextFreeAt);
    this.nextFreeAt = at + this.intervalMs;
    return at - now;
  }
}
