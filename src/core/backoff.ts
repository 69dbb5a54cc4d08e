/**
 * The one backoff formula of the service: every retry loop (queue retries,
 * HTTP retries, Redis step retries, marker writes) waits this long, so a
 * burst of failures never retries in lockstep and never waits unbounded.
 */

/**
 * Exponential backoff with "equal jitter": `base * 2^exponent`, capped at
 * `cap`, then half of it fixed and half random, so retries spread out but
 * never come sooner than half the nominal delay.
 */
export function equalJitter(base: number, cap: number, exponent: number): number {
  const nominal = Math.min(cap, base * 2 ** exponent);
  return nominal / 2 + (Math.random() * nominal) / 2;
}
