/**
 * The Redis structures of one Bee-Queue (2.0.0) queue, by the suffix
 * Bee-Queue names them with (`<prefix>:<queue>:<suffix>`, lib/queue.js
 * `toKey`). The suffixes are Bee-Queue's, so they are named here only; the
 * full key names are built by QueueKeys (src/queue/queue-keys.ts) like every
 * other key of the service.
 */

/** Every suffix Bee-Queue 2.0.0 uses. */
export const BEE_SUFFIXES = [
  'id',
  'jobs',
  'waiting',
  'active',
  'succeeded',
  'failed',
  'delayed',
  'stalling',
  'stallBlock',
  'earlierDelayed',
  'events',
] as const;

/** One suffix of a Bee-Queue structure. */
export type BeeSuffix = (typeof BEE_SUFFIXES)[number];

/** The full key name of each structure of one queue. */
export type BeeKeys = Readonly<Record<BeeSuffix, string>>;

/** The keys of the queue whose keys all start with `base` (`<prefix>:<queue>`), as Bee-Queue's `toKey` names them. */
export function beeKeysUnder(base: string): BeeKeys {
  return Object.fromEntries(BEE_SUFFIXES.map((suffix) => [suffix, `${base}:${suffix}`])) as Record<BeeSuffix, string>;
}
