/**
 * Counts arrivals (pushes at the proxy, jobs in a consumer) inside a helper
 * process and tells the bench the moment a target count is reached. The
 * helper notes the time itself, so the bench's polling can never blur it.
 */

/** When a target was reached, and when the first arrival since the last reset came. */
export interface Reached {
  count: number;
  /** Epoch ms of the first arrival since the reset; 0 if none. */
  firstAt: number;
  /** Epoch ms at which the count reached the target. */
  reachedAt: number;
}

/** A count with waiters on thresholds. */
export class ArrivalCounter {
  count = 0;
  firstAt = 0;
  private waiters: Array<{ target: number; resolve: (r: Reached) => void }> = [];
  /** Targets registered before counting began, so their moment is stamped even if nobody asks until later. */
  private readonly watched = new Map<number, Promise<Reached>>();

  /** Records one arrival now. */
  add(): void {
    this.count += 1;
    if (this.firstAt === 0) this.firstAt = Date.now();
    if (this.waiters.length > 0) this.release();
  }

  /** Zeroes the count; pending waiters stay (they wait for the new count). */
  reset(): void {
    this.count = 0;
    this.firstAt = 0;
  }

  /** Stamps the moment the count reaches `target`, for a later {@link waitFor}. */
  watch(target: number): void {
    if (!this.watched.has(target)) this.watched.set(target, this.waiter(target));
  }

  /** Resolves once the count is at least `target` (with the stamped moment, if it was watched). */
  waitFor(target: number): Promise<Reached> {
    return this.watched.get(target) ?? this.waiter(target);
  }

  private waiter(target: number): Promise<Reached> {
    return new Promise((resolve) => {
      this.waiters.push({ target, resolve });
      this.release();
    });
  }

  private release(): void {
    const now = Date.now();
    const due = this.waiters.filter((w) => this.count >= w.target);
    if (due.length === 0) return;
    this.waiters = this.waiters.filter((w) => this.count < w.target);
    for (const w of due) w.resolve({ count: this.count, firstAt: this.firstAt, reachedAt: now });
  }
}

/** Reads a positive integer command argument. */
export function targetOf(arg: unknown): number {
  if (typeof arg !== 'number' || !Number.isSafeInteger(arg) || arg < 1) throw new Error(`bad target ${String(arg)}`);
  return arg;
}
