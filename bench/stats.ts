/**
 * Small, pure statistics for the benchmark. Every reported figure is a median
 * over runs, and latencies are percentiles over samples, so these two must be
 * exact and well defined for tiny inputs (a run count of 1 or 2, a p99 of 50
 * samples).
 */

/** The median of `values`: the middle value, or the mean of the two middle ones. NaN when empty. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? Number.NaN;
  if (sorted.length % 2 === 1) return upper;
  return ((sorted[mid - 1] ?? upper) + upper) / 2;
}

/**
 * The `p`-th percentile (0 < p ≤ 100) by the nearest-rank method: the
 * smallest sample with at least p% of the samples at or below it. No
 * interpolation, so the answer is always a latency that really happened
 * (the p99 of 50 samples is the largest one). NaN when empty.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.NaN;
  const sorted = [...finite].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] ?? Number.NaN;
}

/** `a / b`, or NaN when either is missing or `b` is 0 (a ratio without a base is no figure). */
export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN;
  return a / b;
}

/** Items per second for `count` items in `ms` milliseconds; NaN for a zero or negative time. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.NaN;
}

/**
 * The median of one numeric field over run results. Missing fields (a run
 * that skipped a figure) are left out rather than counted as 0.
 */
export function medianOf<T>(runs: readonly T[], pick: (run: T) => number | undefined): number {
  return median(runs.map(pick).filter((v): v is number => v !== undefined));
}

/** The smallest and largest of `values`, NaN for both when empty. */
export function range(values: readonly number[]): { min: number; max: number } {
  if (values.length === 0) return { min: Number.NaN, max: Number.NaN };
  return { min: Math.min(...values), max: Math.max(...values) };
}
