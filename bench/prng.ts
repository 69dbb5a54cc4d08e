/**
 * A seeded pseudo-random generator for the bench's offered traffic, so a
 * run can be repeated exactly: the same seed gives the same message sizes
 * on every machine and every run (Math.random cannot be seeded).
 */

/** A generator of floats in [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast, and good enough for picking message sizes (not for anything secret). */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A uniform integer in [min, max], both included. */
export function intBetween(random: Random, min: number, max: number): number {
  if (!(Number.isSafeInteger(min) && Number.isSafeInteger(max) && min <= max)) throw new RangeError(`bad range [${min}, ${max}]`);
  return min + Math.floor(random() * (max - min + 1));
}
